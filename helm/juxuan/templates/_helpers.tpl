{{/*
Names, labels and the services' topology shared by every template.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "juxuan.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's base name: fullnameOverride, or <release>-<chart> (just <release> when it contains the chart name). */}}
{{- define "juxuan.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A component's resource name: <fullname>-<component>. Call with (dict "root" $ "component" "ballot"). */}}
{{- define "juxuan.componentName" -}}
{{- printf "%s-%s" (include "juxuan.fullname" .root | trunc 45 | trimSuffix "-") .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "juxuan.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object of a component. Call with (dict "root" $ "component" "ballot"). */}}
{{- define "juxuan.labels" -}}
helm.sh/chart: {{ include "juxuan.chart" .root }}
{{ include "juxuan.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: juxuan
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The labels selectors match on (never change them: Deployment selectors are immutable). */}}
{{- define "juxuan.selectorLabels" -}}
app.kubernetes.io/name: {{ include "juxuan.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Labels shared by every pod of the release (what the default-deny policy selects). */}}
{{- define "juxuan.releaseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "juxuan.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/*
The six deployables, their ports and who calls them (the NetworkPolicies follow this graph).
The gateway serves its REST API, health and metrics on `http` (8080); the officers' console its
pages under /console/, health and metrics on `http` (8081); the others serve gRPC (with
grpc.health.v1 and reflection) on `grpc` and /healthz, /readyz, /metrics on `admin`. The
gateway's callers are the pods inside the release that reach it besides the Ingress.
*/}}
{{- define "juxuan.topology" -}}
gateway:
  http: 8080
  callers: [console]
console:
  http: 8081
  callers: []
nomination:
  grpc: 50051
  admin: 9101
  callers: [gateway, review, ballot]
review:
  grpc: 50052
  admin: 9102
  callers: [gateway, ballot]
ballot:
  grpc: 50053
  admin: 9103
  callers: [gateway]
reporting:
  grpc: 50054
  admin: 9104
  callers: [gateway]
{{- end -}}

{{/* Every component with a Deployment, Service, ServiceAccount, HPA, PDB and NetworkPolicy. */}}
{{- define "juxuan.components" -}}
[gateway, nomination, review, ballot, reporting, console]
{{- end -}}

{{/*
The components with a schema, in start order (the order the migration Job applies their schemas
in): the ones that read DATABASE_URL and REDIS_URL. The console is not one of them: it is a
client of the gateway's REST API, with no database, no Redis and no secret.
*/}}
{{- define "juxuan.schemaComponents" -}}
[gateway, nomination, review, ballot, reporting]
{{- end -}}

{{/* The image reference: repository@digest, or repository:tag (tag defaults to the appVersion). */}}
{{- define "juxuan.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding DATABASE_URL, REDIS_URL, JUXUAN_PII_KEY and JUXUAN_ADMIN_PASSWORD. */}}
{{- define "juxuan.secretName" -}}
{{- default (printf "%s-secrets" (include "juxuan.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{/*
An env entry read from the Secret. Call with (dict "root" $ "name" "REDIS_URL" "key" "redisUrl"),
"key" naming an entry of secrets.keys, or with "secretKey" giving the key inside the Secret itself.
*/}}
{{- define "juxuan.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "juxuan.secretName" .root }}
      key: {{ .secretKey | default (index .root.Values.secrets.keys .key) }}
{{- end -}}

{{/*
The environment of a component's `serve`. Secrets come as secretKeyRef variables; the binaries
would also take any variable as <NAME>_FILE (a file holding the value, a trailing newline
dropped), which this chart does not need. Call with (dict "root" $ "component" "ballot").
*/}}
{{- define "juxuan.env" -}}
{{- $root := .root -}}
{{- $component := .component -}}
{{- $values := index $root.Values $component -}}
{{- $topology := include "juxuan.topology" $root | fromYaml -}}
{{- $ports := index $topology $component -}}
- name: JUXUAN_ENV
  value: {{ $root.Values.environment | quote }}
- name: RUST_LOG
  value: {{ default $root.Values.logLevel $values.logLevel | quote }}
{{- if eq $component "console" }}
{{- with $root.Values.otel.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
- name: JUXUAN_CONSOLE_ADDR
  value: "0.0.0.0:{{ $ports.http }}"
# An ordinary REST client of the gateway, through its Service.
- name: JUXUAN_GATEWAY_URL
  value: {{ default (printf "http://%s:%v" (include "juxuan.componentName" (dict "root" $root "component" "gateway")) $topology.gateway.http) $values.gatewayUrl | quote }}
# Session cookies marked Secure: browsers send them back over HTTPS only (TLS ends at the Ingress).
- name: JUXUAN_CONSOLE_SECURE_COOKIES
  value: {{ ternary "true" "false" $values.secureCookies | quote }}
{{- else }}
- name: JUXUAN_DB_MAX_CONNECTIONS
  value: {{ $values.dbMaxConnections | quote }}
{{ include "juxuan.secretEnv" (dict "root" $root "name" "DATABASE_URL" "key" "databaseUrl" "secretKey" $values.databaseUrlKey) }}
{{ include "juxuan.secretEnv" (dict "root" $root "name" "REDIS_URL" "key" "redisUrl") }}
{{- with $root.Values.otel.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- if eq $component "gateway" }}
- name: JUXUAN_HTTP_ADDR
  value: "0.0.0.0:{{ $ports.http }}"
{{- range $callee := list "nomination" "review" "ballot" "reporting" }}
- name: JUXUAN_{{ upper $callee }}_URL
  value: "http://{{ include "juxuan.componentName" (dict "root" $root "component" $callee) }}:{{ (index $topology $callee).grpc }}"
{{- end }}
{{ include "juxuan.secretEnv" (dict "root" $root "name" "JUXUAN_ADMIN_PASSWORD" "key" "adminPassword") }}
- name: JUXUAN_ADMIN_USERNAME
  value: {{ $values.adminUsername | quote }}
{{- with $values.district }}
- name: JUXUAN_DISTRICT
  value: {{ . | quote }}
{{- end }}
- name: JUXUAN_ACCESS_TOKEN_TTL_SECONDS
  value: {{ $values.accessTokenTtlSeconds | quote }}
- name: JUXUAN_REFRESH_TOKEN_TTL_SECONDS
  value: {{ $values.refreshTokenTtlSeconds | quote }}
- name: JUXUAN_LOGIN_ATTEMPTS
  value: {{ $values.loginAttempts | quote }}
- name: JUXUAN_LOGIN_WINDOW_SECONDS
  value: {{ $values.loginWindowSeconds | quote }}
- name: JUXUAN_RATE_LIMIT_PER_MINUTE
  value: {{ $values.rateLimitPerMinute | quote }}
- name: JUXUAN_REQUEST_TIMEOUT_SECONDS
  value: {{ $values.requestTimeoutSeconds | quote }}
- name: JUXUAN_MAX_IN_FLIGHT
  value: {{ $values.maxInFlight | quote }}
{{- else }}
- name: JUXUAN_GRPC_ADDR
  value: "0.0.0.0:{{ $ports.grpc }}"
- name: JUXUAN_ADMIN_ADDR
  value: "0.0.0.0:{{ $ports.admin }}"
# Each replica's name in its event consumer groups: the pod's name, so a restarted pod resumes its own pending events.
- name: JUXUAN_CONSUMER_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{- end }}
{{- if eq $component "nomination" }}
{{ include "juxuan.secretEnv" (dict "root" $root "name" "JUXUAN_PII_KEY" "key" "piiKey") }}
{{- end }}
{{- if or (eq $component "nomination") (eq $component "ballot") }}
# Days after a committee's term before voters' personal data is pseudonymised (docs/operations.md).
- name: JUXUAN_RETENTION_DAYS
  value: {{ $root.Values.retentionDays | quote }}
{{- end }}
{{- if or (eq $component "review") (eq $component "ballot") }}
- name: JUXUAN_NOMINATION_URL
  value: "http://{{ include "juxuan.componentName" (dict "root" $root "component" "nomination") }}:{{ $topology.nomination.grpc }}"
{{- end }}
{{- if eq $component "ballot" }}
- name: JUXUAN_REVIEW_URL
  value: "http://{{ include "juxuan.componentName" (dict "root" $root "component" "review") }}:{{ $topology.review.grpc }}"
{{- end }}
{{- if or (eq $component "ballot") (eq $component "reporting") }}
- name: JUXUAN_FONT_PATH
  value: {{ $root.Values.fontPath | quote }}
{{- end }}
{{- end }}
{{- with $root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- with $values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
The environment of a component's `migrate`: its DATABASE_URL, the only variable `migrate` reads.
Call with (dict "root" $ "component" "ballot").
*/}}
{{- define "juxuan.migrateEnv" -}}
{{- $values := index .root.Values .component -}}
{{ include "juxuan.secretEnv" (dict "root" .root "name" "DATABASE_URL" "key" "databaseUrl" "secretKey" $values.databaseUrlKey) }}
{{- end -}}

{{/* The container securityContext of every Juxuan container. */}}
{{- define "juxuan.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext -}}
{{- end -}}

{{/* Checks the secret settings once, whatever template renders first. */}}
{{- define "juxuan.validateSecrets" -}}
{{- if not .Values.secrets.existingSecret -}}
{{- if not .Values.secrets.piiKey -}}
{{- fail "secrets.piiKey is required when secrets.existingSecret is empty (32+ random bytes, hex or base64: `openssl rand -hex 32`). Keep it: changing it breaks identity-number lookups." -}}
{{- end -}}
{{- if not .Values.secrets.adminPassword -}}
{{- fail "secrets.adminPassword is required when secrets.existingSecret is empty (the first district admin's password)" -}}
{{- end -}}
{{- if and (not .Values.secrets.databaseUrl) (not .Values.postgresql.enabled) -}}
{{- fail "secrets.databaseUrl is required (or set postgresql.enabled=true for a bundled trial database)" -}}
{{- end -}}
{{- if and (not .Values.secrets.redisUrl) (not .Values.redis.enabled) -}}
{{- fail "secrets.redisUrl is required (or set redis.enabled=true for a bundled trial Redis)" -}}
{{- end -}}
{{- if and .Values.postgresql.enabled (not .Values.secrets.postgresPassword) -}}
{{- fail "secrets.postgresPassword is required with postgresql.enabled=true" -}}
{{- end -}}
{{- if and .Values.redis.enabled (not .Values.secrets.redisPassword) -}}
{{- fail "secrets.redisPassword is required with redis.enabled=true" -}}
{{- end -}}
{{- range $component := include "juxuan.schemaComponents" . | fromYamlArray -}}
{{- if (index $.Values $component).databaseUrlKey -}}
{{- fail (printf "%s.databaseUrlKey needs secrets.existingSecret: the chart-made Secret holds one DATABASE_URL" $component) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The Secret's data, shared by the Secret and the pods' checksum annotation. */}}
{{- define "juxuan.secretData" -}}
{{- $fullname := include "juxuan.fullname" . -}}
{{- $databaseUrl := .Values.secrets.databaseUrl -}}
{{- if and (not $databaseUrl) .Values.postgresql.enabled -}}
{{- $databaseUrl = printf "postgres://%s:%s@%s-postgresql:5432/%s" .Values.postgresql.username (.Values.secrets.postgresPassword | urlquery) $fullname .Values.postgresql.database -}}
{{- end -}}
{{- $redisUrl := .Values.secrets.redisUrl -}}
{{- if and (not $redisUrl) .Values.redis.enabled -}}
{{- $redisUrl = printf "redis://:%s@%s-redis:6379/0" (.Values.secrets.redisPassword | urlquery) $fullname -}}
{{- end -}}
{{ .Values.secrets.keys.databaseUrl }}: {{ $databaseUrl | b64enc | quote }}
{{ .Values.secrets.keys.redisUrl }}: {{ $redisUrl | b64enc | quote }}
{{ .Values.secrets.keys.piiKey }}: {{ .Values.secrets.piiKey | b64enc | quote }}
{{ .Values.secrets.keys.adminPassword }}: {{ .Values.secrets.adminPassword | b64enc | quote }}
{{- if .Values.postgresql.enabled }}
{{ .Values.secrets.keys.postgresPassword }}: {{ .Values.secrets.postgresPassword | b64enc | quote }}
{{- end }}
{{- if .Values.redis.enabled }}
{{ .Values.secrets.keys.redisPassword }}: {{ .Values.secrets.redisPassword | b64enc | quote }}
{{- end }}
{{- end -}}

{{/*
The migration Job's hook: before install and upgrade, so a failing migration stops the release
before any pod is replaced. With the bundled trial Postgres (a regular release object, created
after pre-install hooks) the install-time run moves to post-install.
*/}}
{{- define "juxuan.migrationHook" -}}
{{- if .Values.postgresql.enabled -}}
post-install,pre-upgrade
{{- else -}}
pre-install,pre-upgrade
{{- end -}}
{{- end -}}
