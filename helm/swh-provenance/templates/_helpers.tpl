{{- define "swh-provenance.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "swh-provenance.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "swh-provenance.selectorLabels" -}}
app.kubernetes.io/name: {{ include "swh-provenance.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "swh-provenance.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "swh-provenance.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "swh-provenance.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* Seconds of an ISO-8601 duration of the form PT<n>S, PT<n>M or PT<n>H. */}}
{{- define "swh-provenance.seconds" -}}
{{- $match := regexFind "^PT[0-9]+[SMH]$" . }}
{{- if not $match }}
{{- fail (printf "duration %q: expected PT<n>S, PT<n>M or PT<n>H" .) }}
{{- end }}
{{- $n := trimPrefix "PT" . | trimSuffix "S" | trimSuffix "M" | trimSuffix "H" | int }}
{{- if hasSuffix "H" . }}{{ mul $n 3600 }}{{ else if hasSuffix "M" . }}{{ mul $n 60 }}{{ else }}{{ $n }}{{ end }}
{{- end }}

{{/* Fails the render on settings that cannot work together. */}}
{{- define "swh-provenance.validate" -}}
{{- $v := .Values }}
{{- if not (dig "limits" "memory" "" $v.resources) }}
{{- fail "resources.limits.memory is required: the JVM heap and direct memory are sized from it" }}
{{- end }}
{{- if ne (toString (dig "limits" "memory" "" $v.resources)) (toString (dig "requests" "memory" "" $v.resources)) }}
{{- fail "resources.requests.memory must equal resources.limits.memory (Guaranteed QoS for a pod holding the database)" }}
{{- end }}
{{- if gt (add (int $v.jvm.heapPercent) (int $v.jvm.directMemoryPercent)) 90 }}
{{- fail "jvm.heapPercent + jvm.directMemoryPercent must leave at least 10% of the memory limit for native memory" }}
{{- end }}
{{- if not (has $v.database.source (list "pvc" "objectStorage" "url")) }}
{{- fail (printf "database.source %q: expected pvc, objectStorage or url" $v.database.source) }}
{{- end }}
{{- if and (eq $v.database.source "url") (not $v.database.url) }}
{{- fail "database.url is required when database.source is url" }}
{{- end }}
{{- if and (eq $v.index.mode "mapped") (eq $v.index.source "objectStorage") (not $v.index.objectStorage.remote) }}
{{- fail "index.objectStorage.remote is required when index.source is objectStorage" }}
{{- end }}
{{- if and (eq $v.index.mode "mapped") (eq $v.index.source "pvc") (not $v.index.pvc.claimName) }}
{{- fail "index.pvc.claimName is required when index.source is pvc" }}
{{- end }}
{{- if and (eq $v.database.source "pvc") (not $v.database.pvc.claimName) }}
{{- fail "database.pvc.claimName is required when database.source is pvc" }}
{{- end }}
{{- if and (eq $v.database.source "objectStorage") (not $v.database.objectStorage.remote) }}
{{- fail "database.objectStorage.remote is required when database.source is objectStorage" }}
{{- end }}
{{- if le (int $v.server.terminationGracePeriodSeconds) (add (int $v.server.preStopSleepSeconds) (int (include "swh-provenance.seconds" $v.server.drainTimeout))) }}
{{- fail "server.terminationGracePeriodSeconds must exceed server.preStopSleepSeconds + server.drainTimeout" }}
{{- end }}
{{- if and $v.ingress.enabled (le (int $v.ingress.timeoutSeconds) (add (int (include "swh-provenance.seconds" $v.server.maxCallTime)) (mul 2 (int $v.ingress.connectTimeoutSeconds)))) }}
{{- fail "ingress.timeoutSeconds must exceed server.maxCallTime plus two connect attempts (ingress.connectTimeoutSeconds)" }}
{{- end }}
{{- end }}

{{/* The database as serve and index name it: the mount path, or the URL for source url. */}}
{{- define "swh-provenance.databaseLocation" -}}
{{- if eq .Values.database.source "url" }}{{ .Values.database.url }}{{ else }}{{ .Values.database.mountPath }}{{ end }}
{{- end }}

{{/* Volume mounts of the database (read-only) and of the index; args: root, writeIndex, readIndex. */}}
{{- define "swh-provenance.dataMounts" -}}
{{- $db := .root.Values.database }}
{{- $idx := .root.Values.index }}
{{- if ne $db.source "url" }}
- name: database
  mountPath: {{ $db.mountPath }}
  readOnly: true
  {{- if and (eq $db.source "pvc") $db.pvc.subPath }}
  subPath: {{ $db.pvc.subPath | quote }}
  {{- end }}
{{- end }}
{{- if or .writeIndex .readIndex }}
- name: index
  mountPath: {{ $idx.mountPath }}
  {{- if not .writeIndex }}
  readOnly: true
  {{- end }}
  {{- if and (eq $idx.source "pvc") $idx.pvc.subPath }}
  subPath: {{ $idx.pvc.subPath | quote }}
  {{- end }}
{{- end }}
{{- end }}

{{/* The body of an init container running the server image (after name, image and args). */}}
{{- define "swh-provenance.javaInitContainer" -}}
{{- $v := .root.Values }}
env:
  - name: JVM_HEAP_PERCENT
    value: {{ $v.jvm.heapPercent | int | quote }}
  - name: JVM_DIRECT_MEMORY_PERCENT
    value: {{ $v.jvm.directMemoryPercent | int | quote }}
{{- with $v.database.urlCredentialsSecret }}
envFrom:
  - secretRef:
      name: {{ . }}
{{- end }}
resources:
  {{- toYaml $v.resources | nindent 2 }}
securityContext:
  {{- include "swh-provenance.containerSecurityContext" . | nindent 2 }}
volumeMounts:
  {{- include "swh-provenance.dataMounts" . | nindent 2 }}
  - name: tmp
    mountPath: /tmp
{{- end }}

{{/* An init container copying an rclone remote into a volume (after its name); args: root, remote, volume, path. */}}
{{- define "swh-provenance.rcloneCopy" -}}
{{- $s := .root.Values.database.objectStorage }}
image: {{ $s.image }}
args:
  - copy
  - --fast-list
  - {{ printf "--transfers=%d" (int $s.transfers) }}
  - {{ .remote }}
  - {{ .path }}
env:
  # rclone keeps its config and cache under HOME; the root filesystem is read-only.
  - name: HOME
    value: /tmp
  {{- range $name, $value := $s.env }}
  - name: {{ $name }}
    value: {{ $value | toString | quote }}
  {{- end }}
{{- with $s.credentialsSecret }}
envFrom:
  - secretRef:
      name: {{ . }}
{{- end }}
securityContext:
  {{- include "swh-provenance.containerSecurityContext" . | nindent 2 }}
volumeMounts:
  - name: {{ .volume }}
    mountPath: {{ .path }}
  - name: tmp
    mountPath: /tmp
{{- end }}

{{/* A per-pod ephemeral volume (a generic ephemeral PVC); args: root, volume (storageClassName, size). */}}
{{- define "swh-provenance.ephemeralVolume" -}}
ephemeral:
  volumeClaimTemplate:
    metadata:
      labels:
        {{- include "swh-provenance.selectorLabels" .root | nindent 8 }}
    spec:
      accessModes: ["ReadWriteOnce"]
      {{- with .volume.storageClassName }}
      storageClassName: {{ . }}
      {{- end }}
      resources:
        requests:
          storage: {{ .volume.size }}
{{- end }}

{{- define "swh-provenance.maintenanceDir" -}}/etc/swh-provenance/maintenance{{- end }}
{{- define "swh-provenance.secretsDir" -}}/etc/swh-provenance/secrets{{- end }}

{{- define "swh-provenance.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end }}
