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
chart's ports, so that the container ports, probes and Services always agree with it.
*/}}
{{- define "tollgate.config" -}}
{{- $cfg := deepCopy .Values.config }}
{{- $_ := set $cfg "listen" (printf ":%d" (int .Values.ports.grpc)) }}
{{- $_ := set $cfg "admin" (printf ":%d" (int .Values.ports.admin)) }}
{{- toYaml $cfg }}
{{- end }}
