{{/* Budgets: envoyproxy/ratelimit and its Redis (ratelimit.enabled). */}}
{{- define "tollgate.ratelimitName" -}}
{{- printf "%s-ratelimit" (include "tollgate.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tollgate.redisName" -}}
{{- printf "%s-redis" (include "tollgate.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tollgate.ratelimitSelectorLabels" -}}
app.kubernetes.io/name: {{ include "tollgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: ratelimit
{{- end }}

{{- define "tollgate.redisSelectorLabels" -}}
app.kubernetes.io/name: {{ include "tollgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: redis
{{- end }}

{{/* tollgate.yaml's ratelimit section: the chart's service. */}}
{{- define "tollgate.ratelimitSection" -}}
{{- $rl := .Values.ratelimit }}
{{- dict "address" (printf "%s:%d" (include "tollgate.ratelimitName" .) (int $rl.grpcPort)) "domain" $rl.domain "timeout" $rl.timeout "failure_mode" $rl.failureMode | toYaml }}
{{- end }}

{{/* The Redis the service keeps its counters in. */}}
{{- define "tollgate.redisURL" -}}
{{- if .Values.redis.enabled }}
{{- printf "%s:6379" (include "tollgate.redisName" .) }}
{{- else }}
{{- required "ratelimit.redisURL is required when redis.enabled is false" .Values.ratelimit.redisURL }}
{{- end }}
{{- end }}
