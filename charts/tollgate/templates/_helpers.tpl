{{/* Chart name, truncated to the 63 characters a DNS label allows. */}}
{{- define "tollgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: the release name, with the chart name unless it already has it. */}}
{{- define "tollgate.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of the Envoy objects. */}}
{{- define "tollgate.envoyName" -}}
{{- printf "%s-envoy" (include "tollgate.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Headless Service that Envoy resolves to reach every tollgate pod (STRICT_DNS). */}}
{{- define "tollgate.headlessName" -}}
{{- printf "%s-grpc" (include "tollgate.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tollgate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tollgate.labels" -}}
helm.sh/chart: {{ include "tollgate.chart" . }}
app.kubernetes.io/name: {{ include "tollgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of the tollgate pods. */}}
{{- define "tollgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tollgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: ext-proc
{{- end }}

{{/* Selector labels of the Envoy pods. */}}
{{- define "tollgate.envoySelectorLabels" -}}
app.kubernetes.io/name: {{ include "tollgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: envoy
{{- end }}

{{- define "tollgate.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The tollgate.yaml this release runs: .Values.config with listen and admin set from the
chart's ports, so that the container ports, probes and Services always agree with it;
server.drain_delay and server.shutdown_grace from .Values.shutdown, so that the pod's
terminationGracePeriodSeconds always covers them (and, with ratelimit.enabled,
`ratelimit` pointing at the chart's rate-limit service).
*/}}
{{- define "tollgate.config" -}}
{{- $cfg := deepCopy .Values.config }}
{{- $_ := set $cfg "listen" (printf ":%d" (int .Values.ports.grpc)) }}
{{- $_ := set $cfg "admin" (printf ":%d" (int .Values.ports.admin)) }}
{{- if .Values.ratelimit.enabled }}
{{- $_ := set $cfg "ratelimit" (include "tollgate.ratelimitSection" . | fromYaml) }}
{{- end }}
{{- $server := default dict $cfg.server }}
{{- $_ := set $server "drain_delay" (printf "%ds" (int .Values.shutdown.drainDelaySeconds)) }}
{{- $_ := set $server "shutdown_grace" (printf "%ds" (int .Values.shutdown.graceSeconds)) }}
{{- if .Values.tls.enabled }}
{{- $dir := include "tollgate.tlsMountPath" . }}
{{- $_ := set $server "tls" (dict "cert_file" (printf "%s/tls.crt" $dir) "key_file" (printf "%s/tls.key" $dir) "client_ca" (printf "%s/ca.crt" $dir)) }}
{{- end }}
{{- $_ := set $cfg "server" $server }}
{{- toYaml $cfg }}
{{- end }}

{{/*
What the tollgate pods' checksum/config annotation hashes: the settings tollgate reads only
at start (internal/config RestartOnly, README "Hot reload"; a test keeps the lists equal).
Any other change to tollgate.yaml reaches the running pods as a hot reload — the ConfigMap
volume is updated in place and tollgate watches the file — so it rolls nothing. With
server.watch_config false nothing is watched, and the whole file is hashed.
*/}}
{{- define "tollgate.configChecksum" -}}
{{- $cfg := include "tollgate.config" . | fromYaml }}
{{- $server := default dict $cfg.server }}
{{- if eq (toString (get $server "watch_config")) "false" }}
{{- include "tollgate.config" . | sha256sum }}
{{- else }}
{{- $limits := default dict $cfg.limits }}
{{- $pricing := default dict $cfg.pricing }}
{{- $restartOnly := dict
  "listen" $cfg.listen
  "admin" $cfg.admin
  "server.tls" (get $server "tls")
  "server.reload_endpoint" (get $server "reload_endpoint")
  "server.watch_config" (get $server "watch_config")
  "limits.max_concurrent_streams" (get $limits "max_concurrent_streams")
  "limits.max_request_body" (get $limits "max_request_body")
  "pricing.url" (get $pricing "url")
  "pricing.refresh" (get $pricing "refresh")
  "pricing.timeout" (get $pricing "timeout")
  "ratelimit" (get $cfg "ratelimit") }}
{{- toYaml $restartOnly | sha256sum }}
{{- end }}
{{- end }}

{{/* The tollgate pods' grace: preStop sleep, drain delay, shutdown grace, and 10 s for the cut-off. */}}
{{- define "tollgate.terminationGrace" -}}
{{- add (int .Values.shutdown.preStopSleepSeconds) (int .Values.shutdown.drainDelaySeconds) (int .Values.shutdown.graceSeconds) 10 }}
{{- end }}

{{/*
mTLS between Envoy and tollgate. tollgate's server certificate and key (and the CA that
signed Envoy's client certificate) are in Secret tollgate.tlsSecretName, mounted in the
tollgate pods at tollgate.tlsMountPath; Envoy's client certificate and key (and the CA that
signed tollgate's certificate) in Secret tollgate.clientTLSSecretName, mounted in the Envoy
pods at tollgate.envoyTLSMountPath. Both Secrets hold tls.crt, tls.key and ca.crt, whether
the chart or cert-manager makes them.
*/}}
{{- define "tollgate.tlsSecretName" -}}
{{- printf "%s-tls" (include "tollgate.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tollgate.clientTLSSecretName" -}}
{{- printf "%s-client-tls" (include "tollgate.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tollgate.tlsMountPath" -}}/etc/tollgate-tls{{- end }}

{{- define "tollgate.envoyTLSMountPath" -}}/etc/envoy-tls{{- end }}

{{/* The name Envoy dials and checks on tollgate's certificate (SNI and SAN): the headless Service. */}}
{{- define "tollgate.grpcHost" -}}
{{- printf "%s.%s.svc" (include "tollgate.headlessName" .) .Release.Namespace }}
{{- end }}

{{/* DNS names of tollgate's server certificate: both Services, in every form a client may use. */}}
{{- define "tollgate.tlsDNSNames" -}}
{{- $names := list }}
{{- range (list (include "tollgate.headlessName" .) (include "tollgate.fullname" .)) }}
{{- $names = concat $names (list . (printf "%s.%s" . $.Release.Namespace) (printf "%s.%s.svc" . $.Release.Namespace) (printf "%s.%s.svc.%s" . $.Release.Namespace $.Values.tls.clusterDomain)) }}
{{- end }}
{{- toYaml $names }}
{{- end }}

{{/*
The chart-made certificates, as base64 Secret data: {ca, serverCrt, serverKey, clientCrt,
clientKey}. An upgrade reuses the two Secrets already in the cluster (when both are there and
share their CA); otherwise a new ECDSA P-256 CA signs a new server and client certificate.
The result is kept in .Values for the rest of this render, so that the Secrets and the
Deployments' checksum/tls annotations (rendered from other templates) agree.
*/}}
{{- define "tollgate.tlsGenerated" -}}
{{- if not (hasKey .Values "__tollgateGeneratedTLS") }}
{{- $server := lookup "v1" "Secret" .Release.Namespace (include "tollgate.tlsSecretName" .) | default dict }}
{{- $client := lookup "v1" "Secret" .Release.Namespace (include "tollgate.clientTLSSecretName" .) | default dict }}
{{- $ca := dig "data" "ca.crt" "" $server }}
{{- $m := dict }}
{{- if and $ca (eq $ca (dig "data" "ca.crt" "" $client)) (dig "data" "tls.crt" "" $server) (dig "data" "tls.key" "" $server) (dig "data" "tls.crt" "" $client) (dig "data" "tls.key" "" $client) }}
{{- $m = dict "ca" $ca "serverCrt" (index $server.data "tls.crt") "serverKey" (index $server.data "tls.key") "clientCrt" (index $client.data "tls.crt") "clientKey" (index $client.data "tls.key") }}
{{- else }}
{{- $days := int .Values.tls.generated.validityDays }}
{{- $caCert := genCAWithKey (printf "%s-ca" (include "tollgate.fullname" .)) $days (genPrivateKey "ecdsa") }}
{{- $serverCert := genSignedCertWithKey (include "tollgate.headlessName" .) nil (include "tollgate.tlsDNSNames" . | fromYamlArray) $days $caCert (genPrivateKey "ecdsa") }}
{{- $clientCert := genSignedCertWithKey (include "tollgate.envoyName" .) nil nil $days $caCert (genPrivateKey "ecdsa") }}
{{- $m = dict "ca" ($caCert.Cert | b64enc) "serverCrt" ($serverCert.Cert | b64enc) "serverKey" ($serverCert.Key | b64enc) "clientCrt" ($clientCert.Cert | b64enc) "clientKey" ($clientCert.Key | b64enc) }}
{{- end }}
{{- $_ := set .Values "__tollgateGeneratedTLS" $m }}
{{- end }}
{{- toYaml (get .Values "__tollgateGeneratedTLS") }}
{{- end }}

{{/* Pod annotation that rolls the pods when the chart-made CA changes (tollgate reads client_ca at start). */}}
{{- define "tollgate.tlsChecksum" -}}
{{- if and .Values.tls.enabled (not .Values.tls.certManager.enabled) }}
checksum/tls: {{ (include "tollgate.tlsGenerated" . | fromYaml).ca | sha256sum }}
{{- end }}
{{- end }}

{{/*
Pod topology spread of a Deployment's pods: the given constraints, or, when there are none and
the default is on, one that spreads the pods over nodes (maxSkew 1 on kubernetes.io/hostname,
ScheduleAnyway) selecting this Deployment's pods. Called with a dict of "constraints" (a
list), "default" (a bool) and "selector" (the pods' selector labels, as YAML).
*/}}
{{- define "tollgate.topologySpread" -}}
{{- if .constraints }}
topologySpreadConstraints:
  {{- toYaml .constraints | nindent 2 }}
{{- else if .default }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- .selector | nindent 8 }}
{{- end }}
{{- end }}
