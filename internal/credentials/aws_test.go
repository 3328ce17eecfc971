package credentials

import (
	"context"
	"path/filepath"
	"testing"
)

func isolate(t *testing.T) {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(k, "")
	}
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestAWSFromEnvironment(t *testing.T) {
	isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	a, err := NewAWS(context.Background(), "us-east-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Retrieve(context.Background())
	if err != nil || c.AccessKeyID != "AKIDTEST" || c.SecretAccessKey != "secret" {
		t.Fatalf("credentials %q, err %v", c.AccessKeyID, err)
	}
}

func TestAWSNoSourceIsAnError(t *testing.T) {
	isolate(t)
	a, err := NewAWS(context.Background(), "us-east-1", nil)
	if err != nil {
		t.Fatal(err) // building never fetches, so it succeeds without credentials
	}
	if _, err := a.Retrieve(context.Background()); err == nil {
		t.Fatal("Retrieve succeeded without any credential source")
	}
}
