// Package budget caps spend (USD) or tokens per team, per key or for everyone, over a
// calendar window, in a counter that every tollgate replica shares: the Envoy global
// rate-limit service protocol (envoy.service.ratelimit.v3) served by envoyproxy/ratelimit
// on Redis. tollgate speaks the protocol itself, because it alone knows the team, the
// model and the exact cost of a request.
//
// # Calls
//
// Per request, after routing: Service.Begin picks the budgets that apply (team, key name,
// client model) and, when one does, Request.Check makes one ShouldRateLimit call with one
// descriptor per budget, each with hits_addend 0 (look, do not count) and the budget's
// limit as the descriptor's `limit` override, so that the service's own config holds
// only the domain (see RatelimitConfig). At the end of the response, Request.Charge
// queues one call with hits_addend = the units used, exactly once per request, and
// returns at once; a bounded pool of workers sends it (see charger.go). With no budget
// configured, or none that applies, Begin returns nil and costs nothing:
//
//	r := svc.Begin(cfg.Budgets, team, keyName, clientModel) // nil: nothing to do
//	switch v := r.Check(ctx); v.Outcome {
//	case budget.OverBudget: // 429: v.Over.Message(), retry-after v.Over.RetryAfterSeconds()
//	case budget.Failed: // 503 (failure_mode closed)
//	}
//	…
//	r.Charge(u.Total(), costUSD) // at the end of every response
//
// A budget is over when nothing of it remains: the service says OVER_LIMIT only once
// the count exceeds the limit, and a spent budget should refuse the next request, not
// let one more through.
//
// # Units and rounding
//
// The service counts in uint32 (requests_per_unit). Tokens are counted one for one: every
// billed token (input + output + cache_read + cache_write). USD is counted in units of
// 1e-4 USD (a hundredth of a cent): a uint32 then holds $429,496.7295 per window, a large
// team's month, where micro-dollars would stop at $4,294. A budget's limit is rounded to
// the nearest unit. A charge is not rounded on its own: each replica keeps, per budget and
// scope (team, key or all), the fraction of a unit left over from its earlier charges and
// sends floor(fraction + cost×10⁴), keeping the new fraction. The sum a replica has sent
// is therefore its true cost rounded down, short by less than $0.0001 at any moment, so
// a month of charges is exact to the cent while fewer than 100 replicas share a budget.
// (Rounding every charge on its own, half up, would drift by up to $0.00005 a request:
// up to $50 over a million requests.)
//
// # Calendar windows
//
// envoyproxy/ratelimit names a counter by the domain, the descriptor's entries and the
// start of the unit's window, aligned to the epoch (src/limiter/cache_key.go:
// `(now/divider)*divider`), and expires it one unit after its last hit. Epoch-aligned
// MINUTE, HOUR and DAY windows are exactly the UTC calendar minutes, hours and days, so
// those windows use their own unit. Its MONTH is 30 days from the epoch, whose start
// falls inside nearly every calendar month (it fell on 2026-12-03): a counter on MONTH
// would restart mid-month (and its counter shared a key with the DAY counter of the same
// entries that day, as reference/ratelimit.md saw). So every descriptor carries the
// calendar period as an entry,
//
//	budget=<name>, team|key|all=<scope>, period=2026-12 | 2026-12-03 | 2026-12-03T14 | 2026-12-03T14:05
//
// and a month budget uses the YEAR unit (365 days from the epoch). The period entry
// starts a new counter on the 1st; the YEAR window keeps the counter whole through the
// month. Consequences:
//
//   - The month holding a 365-day epoch boundary is not exact: its counter restarts at
//     that instant (00:00 UTC on 2026-12-18 and 2027-12-18, 2028-12-17 to 2031-12-17, a
//     day earlier every fourth year). No unit the service offers avoids it; see
//     YearBoundary. Every other month, and every minute, hour and day, is exact.
//   - Redis keeps a month counter for a year after its last hit (the service sets the
//     key's expiry to one unit on every hit): about 13 small keys per month budget and
//     scope. Day counters live a day, hour counters an hour. If Redis is given a
//     maxmemory, use volatile-lru: volatile-ttl would evict the live short windows first.
//   - The period comes from tollgate's clock, the window from the service's: near a
//     boundary, clocks more than a few ms apart send a charge to a counter no check reads.
//
// A charge is sent in the period current when it is sent, not when the request started:
// usage counts when it is known. The reset time in messages and retry-after is the end
// of the calendar period, never the service's duration_until_reset.
//
// # Failures
//
// Every call has a timeout. A failed check lets the request through (failure mode open)
// or refuses it (closed, the caller answers 503); both are reported to the Observer by
// reason (timeout, unavailable, unknown_code, bad_response). A failed charge is retried
// a bounded number of times when it most likely did not count (unavailable; unknown_code,
// which the service answers when Redis fails) and then dropped; a timed-out charge may
// have counted and is dropped without a retry; a charge that cannot be queued is dropped
// at once. Every dropped charge is counted (dropped_charge).
package budget
