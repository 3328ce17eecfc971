// Package budgettest gives tests a rate-limit service to run budgets against: Fake, an
// in-process envoy.service.ratelimit.v3 server that counts like envoyproxy/ratelimit,
// and Real, the real envoyproxy/ratelimit (service_cmd) on Debian's redis-server,
// started from binaries on PATH (reference/ratelimit.md, "Starting it locally"). It
// does not import internal/budget, so that package's own tests can use it too.
package budgettest
