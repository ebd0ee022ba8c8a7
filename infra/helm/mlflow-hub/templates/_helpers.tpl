{{/* The release's name, or <release>-mlflow-hub when it does not say mlflow-hub already. */}}
{{- define "mlflow-hub.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 48 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 48 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Name of one component's objects: <fullname>-<component>. */}}
{{- define "mlflow-hub.name" -}}
{{- printf "%s-%s" (include "mlflow-hub.fullname" .root) .component -}}
{{- end -}}

{{/* What selects a component's pods: never changes between upgrades (selectors are immutable). */}}
{{- define "mlflow-hub.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "mlflow-hub.labels" -}}
{{ include "mlflow-hub.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* metadata.name, namespace and labels of one component's object. */}}
{{- define "mlflow-hub.metadata" -}}
name: {{ include "mlflow-hub.name" . }}
namespace: {{ .root.Release.Namespace }}
labels:
  {{- include "mlflow-hub.labels" . | nindent 2 }}
{{- end -}}

{{/*
Pod-level security: non-root, RuntimeDefault seccomp, no service account token
(nothing here talks to the Kubernetes API). .uid is the image's own user.
*/}}
{{- define "mlflow-hub.podSecurity" -}}
serviceAccountName: {{ include "mlflow-hub.name" . }}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  runAsNonRoot: true
  runAsUser: {{ .uid }}
  runAsGroup: {{ .uid }}
  fsGroup: {{ .uid }}
  fsGroupChangePolicy: OnRootMismatch
  seccompProfile:
    type: RuntimeDefault
{{- with .root.Values.images.pullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* Container-level security: read-only root filesystem, no privilege escalation, no capabilities. */}}
{{- define "mlflow-hub.containerSecurity" -}}
securityContext:
  runAsNonRoot: true
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: [ALL]
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{- define "mlflow-hub.authUrl" -}}
{{- if .Values.hub.authUrl -}}
{{- .Values.hub.authUrl | trimSuffix "/" -}}
{{- else -}}
{{- printf "https://%s" (required "ingress.host (or hub.authUrl) is required: the address people use to reach the hub" .Values.ingress.host) -}}
{{- end -}}
{{- end -}}

{{- define "mlflow-hub.gitlabUrl" -}}
{{- if .Values.demo.enabled -}}
{{- printf "https://%s" (required "demo.host is required with demo.enabled" .Values.demo.host) -}}
{{- else -}}
{{- required "gitlab.url is required: your GitLab instance" .Values.gitlab.url -}}
{{- end -}}
{{- end -}}

{{- define "mlflow-hub.postgresHost" -}}
{{- if .Values.postgres.bundled.enabled -}}
{{- include "mlflow-hub.name" (dict "root" . "component" "postgres") -}}
{{- else -}}
{{- required "postgres.host is required (or postgres.bundled.enabled for a trial)" .Values.postgres.host -}}
{{- end -}}
{{- end -}}

{{- define "mlflow-hub.s3Endpoint" -}}
{{- if .Values.s3.bundled.enabled -}}
{{- printf "http://%s:9000" (include "mlflow-hub.name" (dict "root" . "component" "minio")) -}}
{{- else -}}
{{- required "s3.endpoint is required (or s3.bundled.enabled for a trial)" .Values.s3.endpoint | trimSuffix "/" -}}
{{- end -}}
{{- end -}}

{{/* The S3 endpoint's port, for the NetworkPolicies. */}}
{{- define "mlflow-hub.s3Port" -}}
{{- $u := urlParse (include "mlflow-hub.s3Endpoint" .) -}}
{{- $hostPort := splitList ":" $u.host -}}
{{- if gt (len $hostPort) 1 -}}{{ last $hostPort }}{{- else if eq $u.scheme "http" -}}80{{- else -}}443{{- end -}}
{{- end -}}

{{- define "mlflow-hub.mlflowUrl" -}}
{{- printf "http://%s:5000" (include "mlflow-hub.name" (dict "root" . "component" "mlflow")) -}}
{{- end -}}

{{- define "mlflow-hub.servingUrl" -}}
{{- printf "http://%s:5002" (include "mlflow-hub.name" (dict "root" . "component" "serving")) -}}
{{- end -}}

{{- define "mlflow-hub.secretRef" -}}
valueFrom:
  secretKeyRef:
    name: {{ required "existingSecret is required: the Secret with the credentials (README, Run it on Kubernetes)" .root.Values.existingSecret }}
    key: {{ index .root.Values.secretKeys .key }}
    {{- if .optional }}
    optional: true
    {{- end }}
{{- end -}}

{{/*
A database URL as compose builds it, the password taken from the Secret by
Kubernetes' $(VAR) expansion of a variable defined before it (letters and digits
only, as .env.example says of every value that ends up in a URL).
*/}}
{{- define "mlflow-hub.databaseUrl" -}}
{{- $pg := .root.Values.postgres -}}
{{- $db := index $pg .which -}}
{{- printf "%s://%s:$(%s)@%s:%v/%s" (.scheme | default "postgresql") $db.user .passwordVar (include "mlflow-hub.postgresHost" .root) $pg.port $db.database -}}
{{- with $pg.params }}?{{ . }}{{ end -}}
{{- end -}}

{{/* Both databases' URLs: the hub's (DATABASE_URL) and MLflow's (MLFLOW_DATABASE_URL). */}}
{{- define "mlflow-hub.databaseEnv" -}}
- name: POSTGRES_HUB_PASSWORD
  {{- include "mlflow-hub.secretRef" (dict "root" .root "key" "POSTGRES_HUB_PASSWORD") | nindent 2 }}
- name: DATABASE_URL
  value: {{ include "mlflow-hub.databaseUrl" (dict "root" .root "which" "hub" "passwordVar" "POSTGRES_HUB_PASSWORD") | quote }}
{{- if .withMlflow }}
- name: POSTGRES_MLFLOW_PASSWORD
  {{- include "mlflow-hub.secretRef" (dict "root" .root "key" "POSTGRES_MLFLOW_PASSWORD") | nindent 2 }}
- name: MLFLOW_DATABASE_URL
  value: {{ include "mlflow-hub.databaseUrl" (dict "root" .root "which" "mlflow" "passwordVar" "POSTGRES_MLFLOW_PASSWORD") | quote }}
{{- end }}
{{- end -}}

{{/* Every variable the hub reads (lib/config.ts), as compose's hub service sets them. Also the ops pod's. */}}
{{/* The keys that seal the GitLab tokens the hub stores: the hub and its migrations (which seal what is there) need them. */}}
{{- define "mlflow-hub.tokenKeysEnv" -}}
- name: AUTH_SECRET
  {{- include "mlflow-hub.secretRef" (dict "root" . "key" "AUTH_SECRET") | nindent 2 }}
- name: TOKEN_ENCRYPTION_KEY
  {{- include "mlflow-hub.secretRef" (dict "root" . "key" "TOKEN_ENCRYPTION_KEY" "optional" true) | nindent 2 }}
- name: TOKEN_ENCRYPTION_OLD_KEYS
  {{- include "mlflow-hub.secretRef" (dict "root" . "key" "TOKEN_ENCRYPTION_OLD_KEYS" "optional" true) | nindent 2 }}
{{- end -}}

{{- define "mlflow-hub.hubEnv" -}}
{{- $v := .Values -}}
# The standalone server binds to HOSTNAME, which the container runtime may set to the pod's name.
- name: HOSTNAME
  value: 0.0.0.0
- name: PORT
  value: "3000"
- name: AUTH_URL
  value: {{ include "mlflow-hub.authUrl" . | quote }}
{{ include "mlflow-hub.databaseEnv" (dict "root" . "withMlflow" true) }}
- name: GITLAB_URL
  value: {{ include "mlflow-hub.gitlabUrl" . | quote }}
- name: GITLAB_CLIENT_ID
  value: {{ required "gitlab.clientId is required: the GitLab application's id" $v.gitlab.clientId | quote }}
- name: GITLAB_CLIENT_SECRET
  {{- include "mlflow-hub.secretRef" (dict "root" . "key" "GITLAB_CLIENT_SECRET") | nindent 2 }}
- name: GITLAB_SERVICE_TOKEN
  {{- include "mlflow-hub.secretRef" (dict "root" . "key" "GITLAB_SERVICE_TOKEN" "optional" true) | nindent 2 }}
- name: MLFLOW_URL
  value: {{ include "mlflow-hub.mlflowUrl" . | quote }}
- name: MLFLOW_GC_SCHEDULE
  value: {{ $v.gc.schedule | quote }}
- name: MLFLOW_GC_OLDER_THAN
  value: {{ $v.gc.olderThan | quote }}
- name: S3_ENDPOINT
  value: {{ include "mlflow-hub.s3Endpoint" . | quote }}
- name: S3_ACCESS_KEY
  {{- include "mlflow-hub.secretRef" (dict "root" . "key" "S3_ACCESS_KEY") | nindent 2 }}
- name: S3_SECRET_KEY
  {{- include "mlflow-hub.secretRef" (dict "root" . "key" "S3_SECRET_KEY") | nindent 2 }}
- name: S3_BUCKET
  value: {{ $v.s3.bucket | quote }}
- name: S3_REGION
  value: {{ $v.s3.region | quote }}
{{ include "mlflow-hub.tokenKeysEnv" . }}
- name: GITLAB_WEBHOOK_SECRET
  {{- include "mlflow-hub.secretRef" (dict "root" . "key" "GITLAB_WEBHOOK_SECRET" "optional" true) | nindent 2 }}
- name: METRICS_TOKEN
  {{- include "mlflow-hub.secretRef" (dict "root" . "key" "METRICS_TOKEN" "optional" true) | nindent 2 }}
{{- if $v.serving.enabled }}
# Model serving: the runtime's Service, and the secret both sides hold (none without serving.enabled: serving off).
- name: SERVING_URL
  value: {{ include "mlflow-hub.servingUrl" . | quote }}
- name: SERVING_TOKEN
  {{- include "mlflow-hub.secretRef" (dict "root" . "key" "SERVING_TOKEN") | nindent 2 }}
{{- end }}
{{- range $name, $value := $v.hub.config }}
{{- if ne (toString $value) "" }}
- name: {{ $name }}
  value: {{ toString $value | quote }}
{{- end }}
{{- end }}
{{- with $v.hub.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* An emptyDir for each path a container writes to, its root filesystem being read-only. */}}
{{- define "mlflow-hub.writableVolumes" -}}
{{- $out := list -}}
{{- range $name, $path := . }}{{ $out = append $out (dict "name" $name "emptyDir" (dict "sizeLimit" "1Gi")) }}{{ end -}}
{{- toYaml $out -}}
{{- end -}}

{{- define "mlflow-hub.writableMounts" -}}
{{- $out := list -}}
{{- range $name, $path := . }}{{ $out = append $out (dict "name" $name "mountPath" $path) }}{{ end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* NetworkPolicy pieces: a component's pods as a peer; DNS; Postgres and S3. */}}
{{- define "mlflow-hub.peer" -}}
- podSelector:
    matchLabels:
      {{- include "mlflow-hub.selectorLabels" . | nindent 6 }}
{{- end -}}
{{- define "mlflow-hub.dnsEgress" -}}
- to:
    {{- toYaml .Values.networkPolicy.dns | nindent 4 }}
  ports:
    - { protocol: UDP, port: 53 }
    - { protocol: TCP, port: 53 }
{{- end -}}
{{- /* Egress to Postgres and S3: the bundled pods, or networkPolicy.externalServices. */ -}}
{{- define "mlflow-hub.storageEgress" -}}
- to:
    {{- if .Values.postgres.bundled.enabled }}
    {{- include "mlflow-hub.peer" (dict "root" . "component" "postgres") | nindent 4 }}
    {{- else }}
    {{- toYaml .Values.networkPolicy.externalServices | nindent 4 }}
    {{- end }}
  ports:
    - { protocol: TCP, port: {{ if .Values.postgres.bundled.enabled }}5432{{ else }}{{ .Values.postgres.port }}{{ end }} }
- to:
    {{- if .Values.s3.bundled.enabled }}
    {{- include "mlflow-hub.peer" (dict "root" . "component" "minio") | nindent 4 }}
    {{- else }}
    {{- toYaml .Values.networkPolicy.externalServices | nindent 4 }}
    {{- end }}
  ports:
    - { protocol: TCP, port: {{ if .Values.s3.bundled.enabled }}9000{{ else }}{{ include "mlflow-hub.s3Port" . }}{{ end }} }
{{- end -}}
