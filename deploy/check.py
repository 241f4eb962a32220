"""The checks of the deployment files, run by deploy/check inside its virtualenv.

    helm        lint the chart strictly, render it with several value sets into
                target/juxuan/deploy/<profile>/, validate every manifest with
                `kubernetes-validate --strict -k 1.31.0`, then cross-check the objects
                (selectors, ports, Secret references, security settings, hooks, the six
                Deployments, migrations for the five schemas only, the console without
                secrets and routed at /console)
    compose     docker-compose.yml against the Compose specification
                (`check-jsonschema --builtin-schema vendor.compose-spec`), then references
                (depends_on, secrets, volumes, mounted files, health-check binaries, migrate
                containers given DATABASE_URL only, every deployable present, the console
                without secrets or migrate container);
                `promtool check config` on prometheus.yml where promtool is installed
    dockerfile  hadolint on the Dockerfile, shellcheck on the shell scripts
    dashboards  Grafana JSON structure, every metric a query names is defined by the code (a
                "juxuan_..." string anywhere under crates/ or services/), and
                `promtool check rules` on the queries where promtool is installed
    selftest    broken copies of the chart, the compose file and a dashboard must be rejected

Nothing here needs a cluster, a Docker engine or the network. `cargo xtask test` runs it (after
clippy, before the tests) and installs Debian's `prometheus` package first, so in CI the
promtool parts run too.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import helm_python as helm
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "helm" / "juxuan"
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SCRIPTS = [ROOT / "deploy" / "check", ROOT / "deploy" / "compose" / "init-secrets.sh"]
DASHBOARDS = CHART / "dashboards"
OUT = ROOT / "target" / "juxuan" / "deploy"
BIN = Path(sys.executable).parent
KUBE_VERSION = "1.31.0"
RELEASE = "juxuan"
NAMESPACE = "juxuan"
# Kinds from CRDs: the Kubernetes schemas do not know them, so they are written to
# <profile>/crds.yaml and only cross-checked here, not schema-validated.
CRD_KINDS = {"ServiceMonitor"}
# Every deployable (a Deployment in the chart, a service in Compose, a binary in the image) and
# the ones with a Postgres schema, in migration order. The console is a REST client of the
# gateway: no schema, no `migrate`, no database, no Redis, no secret.
SERVICES = ("gateway", "nomination", "review", "ballot", "reporting", "console")
SCHEMA_SERVICES = ("gateway", "nomination", "review", "ballot", "reporting")
STATELESS_SERVICES = tuple(s for s in SERVICES if s not in SCHEMA_SERVICES)


class Failures:
    """Collects what went wrong, per step, so every step runs and the summary shows it all."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, step: str, message: str) -> None:
        self.items.append((step, message))
        print(f"  FAIL {message}")

    def of(self, step: str) -> list[str]:
        return [m for s, m in self.items if s == step]


# ---------------------------------------------------------------------------------- helm


def deep_merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_values(*files: Path) -> dict:
    values: dict = {}
    for f in files:
        values = deep_merge(values, yaml.safe_load(f.read_text()) or {})
    return values


def trial_secrets() -> dict:
    """Throw-away secrets for rendering the chart-made Secret; never written to the repository."""
    return {
        "secrets": {
            "piiKey": secrets.token_hex(32),
            "adminPassword": secrets.token_hex(16),
            "postgresPassword": secrets.token_hex(16),
            "redisPassword": secrets.token_hex(16),
        }
    }


def profiles(chart: Path) -> dict[str, dict]:
    """The value sets the chart is rendered with."""
    return {
        # values.yaml alone: external Postgres/Redis, an existing Secret.
        "default": {},
        # The large-district example: Ingress with TLS, restricted NetworkPolicies, ServiceMonitors.
        "district": load_values(chart / "values-district.yaml"),
        # Bundled trial Postgres and Redis, the chart-made Secret, ServiceMonitors.
        "trial": deep_merge(load_values(chart / "values-trial.yaml"), trial_secrets()),
        # Everything optional switched off, to cover the other side of each `if`.
        "bare": {
            "networkPolicy": {"enabled": False},
            "migrations": {"enabled": False},
            "dashboards": {"enabled": False},
            **{
                c: {"autoscaling": {"enabled": False}, "pdb": {"enabled": False}}
                for c in SERVICES
            },
        },
    }


def lint(chart: Path, values: dict) -> list[str]:
    """`helm lint --strict`: warnings count as failures; infos (e.g. no icon) do not."""
    report = helm.lint(chart, values, strict=True, kube_version=f"v{KUBE_VERSION}", namespace=NAMESPACE)
    problems = [f"{m['path']}: {m['error'].strip()}" for m in report["messages"] if m["severity"] >= 2]
    problems += [e.strip() for e in report.get("errors", []) if e.strip() not in " ".join(problems)]
    return problems


def render(chart: Path, values: dict) -> tuple[list[dict], str, dict]:
    """Renders like `helm install`; returns the objects, NOTES.txt and the effective values."""
    with helm.Chart.load(chart) as loaded:
        rendered = loaded.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
        effective = loaded.merge_values(values)
    docs: list[dict] = []
    notes = ""
    for name, text in sorted(rendered.items()):
        if name.endswith("NOTES.txt"):
            notes = text
            continue
        for doc in yaml.safe_load_all(text):
            if doc:
                doc.setdefault("metadata", {}).setdefault("annotations", {})
                doc["metadata"]["annotations"] = doc["metadata"]["annotations"] or {}
                doc["_source"] = name
                docs.append(doc)
    return docs, notes, effective


def clean(doc: dict) -> dict:
    """The object as rendered, without the bookkeeping added above."""
    out = {k: v for k, v in doc.items() if k != "_source"}
    if not out["metadata"].get("annotations"):
        out["metadata"] = {k: v for k, v in out["metadata"].items() if k != "annotations"}
    return out


def write_rendered(directory: Path, docs: list[dict], notes: str) -> tuple[Path, Path]:
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    core = [clean(d) for d in docs if d.get("kind") not in CRD_KINDS]
    crds = [clean(d) for d in docs if d.get("kind") in CRD_KINDS]
    manifests = directory / "manifests.yaml"
    manifests.write_text(yaml.safe_dump_all(core, sort_keys=False, allow_unicode=True))
    crd_file = directory / "crds.yaml"
    crd_file.write_text(yaml.safe_dump_all(crds, sort_keys=False, allow_unicode=True))
    (directory / "NOTES.txt").write_text(notes)
    return manifests, crd_file


def kubernetes_validate(files: list[Path]) -> list[str]:
    """`kubernetes-validate --strict -k 1.31.0`; an unknown kind (a WARN) counts as a failure."""
    result = subprocess.run(
        [str(BIN / "kubernetes-validate"), "--strict", "-k", KUBE_VERSION, "--quiet", *map(str, files)],
        capture_output=True,
        text=True,
    )
    lines = [l for l in (result.stdout + result.stderr).splitlines() if l.strip()]
    problems = [l for l in lines if l.startswith(("ERROR", "WARN", "FATAL"))]
    if result.returncode != 0 and not problems:
        problems = lines or [f"kubernetes-validate exited with {result.returncode}"]
    return problems


def matches(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in (selector or {}).items())


def pod_spec(doc: dict) -> dict | None:
    if doc["kind"] in ("Deployment", "StatefulSet"):
        return doc["spec"]["template"]["spec"]
    if doc["kind"] == "Job":
        return doc["spec"]["template"]["spec"]
    return None


def cross_check(docs: list[dict], values: dict) -> list[str]:
    """What the schemas cannot see: references between objects and the chart's own rules."""
    problems: list[str] = []
    by_kind: dict[str, list[dict]] = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    workloads = by_kind.get("Deployment", []) + by_kind.get("StatefulSet", [])
    names = {(d["kind"], d["metadata"]["name"]) for d in docs}

    def pods_selected(selector: dict) -> list[dict]:
        return [w for w in workloads if matches(selector, w["spec"]["template"]["metadata"].get("labels", {}))]

    def port_names(workload: dict) -> set[str]:
        return {
            p.get("name")
            for c in workload["spec"]["template"]["spec"]["containers"]
            for p in c.get("ports", [])
        }

    # Workloads: the selector selects the pod template; every container is hardened and has an image.
    for w in workloads + by_kind.get("Job", []):
        ident = f"{w['kind']}/{w['metadata']['name']}"
        if w["kind"] != "Job":
            selector = (w["spec"].get("selector") or {}).get("matchLabels")
            if not selector or not matches(selector, w["spec"]["template"]["metadata"].get("labels", {})):
                problems.append(f"{ident}: selector does not select its pod template")
        spec = pod_spec(w)
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{ident}: the ServiceAccount token is mounted")
        pod_sc = spec.get("securityContext", {})
        if pod_sc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            problems.append(f"{ident}: no RuntimeDefault seccomp profile")
        for c in spec.get("initContainers", []) + spec["containers"]:
            cid = f"{ident} container {c['name']}"
            if not c.get("image"):
                problems.append(f"{cid}: no image")
            sc = c.get("securityContext", {})
            if not (sc.get("runAsNonRoot") or pod_sc.get("runAsNonRoot")):
                problems.append(f"{cid}: may run as root")
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{cid}: root filesystem is writable")
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{cid}: privilege escalation allowed")
            if "ALL" not in sc.get("capabilities", {}).get("drop", []):
                problems.append(f"{cid}: capabilities not dropped")
            if not c.get("resources", {}).get("requests"):
                problems.append(f"{cid}: no resource requests")
            for env in c.get("env", []):
                ref = (env.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    ok = ("Secret", ref["name"]) in names or ref["name"] == values["secrets"]["existingSecret"]
                    if not ok:
                        problems.append(f"{cid}: env {env['name']} reads a Secret that is neither rendered nor existingSecret: {ref['name']}")
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                p = c.get(probe)
                port = p and ((p.get("httpGet") or {}).get("port") or (p.get("tcpSocket") or {}).get("port"))
                if isinstance(port, str) and port not in {x.get("name") for x in c.get("ports", [])}:
                    problems.append(f"{cid}: {probe} names a port it does not have: {port}")
        if w["kind"] == "Deployment" and w["metadata"]["labels"].get("app.kubernetes.io/part-of") == "juxuan":
            c = spec["containers"][0]
            if not all(c.get(p) for p in ("livenessProbe", "readinessProbe", "startupProbe")):
                problems.append(f"{ident}: missing a liveness, readiness or startup probe")

    # Services select pods that have the named target ports.
    for s in by_kind.get("Service", []):
        ident = f"Service/{s['metadata']['name']}"
        pods = pods_selected(s["spec"].get("selector"))
        if not pods:
            problems.append(f"{ident}: selects no workload")
        for p in s["spec"]["ports"]:
            target = p.get("targetPort")
            if isinstance(target, str) and any(target not in port_names(w) for w in pods):
                problems.append(f"{ident}: targetPort {target} is not a container port of the selected pods")

    # HPAs, PDBs, NetworkPolicies, ServiceMonitors and the Ingress point at what exists.
    for h in by_kind.get("HorizontalPodAutoscaler", []):
        ref = h["spec"]["scaleTargetRef"]
        if (ref["kind"], ref["name"]) not in names:
            problems.append(f"HorizontalPodAutoscaler/{h['metadata']['name']}: scales a missing {ref['kind']}/{ref['name']}")
        target = next((w for w in workloads if w["metadata"]["name"] == ref["name"]), None)
        if target is not None and "replicas" in target["spec"]:
            problems.append(f"HorizontalPodAutoscaler/{h['metadata']['name']}: its Deployment also sets replicas (they would fight)")
    for p in by_kind.get("PodDisruptionBudget", []):
        if not pods_selected(p["spec"]["selector"]["matchLabels"]):
            problems.append(f"PodDisruptionBudget/{p['metadata']['name']}: selects no workload")
    for n in by_kind.get("NetworkPolicy", []):
        pods = pods_selected(n["spec"]["podSelector"].get("matchLabels"))
        if not pods:
            problems.append(f"NetworkPolicy/{n['metadata']['name']}: selects no workload")
        for rule in n["spec"].get("ingress", []):
            for port in rule.get("ports", []):
                if isinstance(port.get("port"), str) and any(port["port"] not in port_names(w) for w in pods):
                    problems.append(f"NetworkPolicy/{n['metadata']['name']}: port {port['port']} is not a port of the selected pods")
    services = {s["metadata"]["name"]: s for s in by_kind.get("Service", [])}
    for m in by_kind.get("ServiceMonitor", []):
        selected = [s for s in services.values() if matches(m["spec"]["selector"]["matchLabels"], s["metadata"]["labels"])]
        if not selected:
            problems.append(f"ServiceMonitor/{m['metadata']['name']}: selects no Service")
        for e in m["spec"]["endpoints"]:
            for s in selected:
                if e["port"] not in {p["name"] for p in s["spec"]["ports"]}:
                    problems.append(f"ServiceMonitor/{m['metadata']['name']}: Service {s['metadata']['name']} has no port {e['port']}")
    for i in by_kind.get("Ingress", []):
        for rule in i["spec"].get("rules", []):
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                svc = services.get(backend["name"])
                if svc is None:
                    problems.append(f"Ingress/{i['metadata']['name']}: no Service {backend['name']}")
                elif backend["port"].get("name") not in {p["name"] for p in svc["spec"]["ports"]}:
                    problems.append(f"Ingress/{i['metadata']['name']}: Service {backend['name']} has no port {backend['port']}")

    # The six Deployments; the console reads no Secret, no database and no Redis.
    deployments = {
        d["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/component"): d
        for d in by_kind.get("Deployment", [])
        if d["metadata"]["labels"].get("app.kubernetes.io/part-of") == "juxuan"
    }
    for missing in [s for s in SERVICES if s not in deployments]:
        problems.append(f"no Deployment of the {missing} (expected one per deployable: {', '.join(SERVICES)})")
    for extra in sorted(set(deployments) - set(SERVICES), key=str):
        problems.append(f"Deployment/{deployments[extra]['metadata']['name']}: component {extra} is not a known deployable")
    for stateless in STATELESS_SERVICES:
        d = deployments.get(stateless)
        if d is None:
            continue
        for c in pod_spec(d)["containers"]:
            for env in c.get("env", []):
                if (env.get("valueFrom") or {}).get("secretKeyRef") or env["name"] in ("DATABASE_URL", "REDIS_URL"):
                    problems.append(f"Deployment/{d['metadata']['name']} container {c['name']}: the {stateless} needs no Secret, "
                                    f"database or Redis, gets env {env['name']}")
            for source in c.get("envFrom", []):
                if "secretRef" in source:
                    problems.append(f"Deployment/{d['metadata']['name']} container {c['name']}: the {stateless} needs no Secret, gets envFrom {source}")
        for volume in pod_spec(d).get("volumes", []):
            if "secret" in volume:
                problems.append(f"Deployment/{d['metadata']['name']}: the {stateless} needs no Secret, mounts volume {volume['name']}")

    # Every Ingress host sends /console to the console and leaves the rest to the gateway.
    for i in by_kind.get("Ingress", []):
        for rule in i["spec"].get("rules", []):
            backends = {(p["path"], p.get("pathType")): p["backend"]["service"]["name"] for p in rule["http"]["paths"]}
            console = backends.get(("/console", "Prefix"))
            if console is None or console not in services or \
                    services[console]["metadata"]["labels"].get("app.kubernetes.io/component") != "console":
                problems.append(f"Ingress/{i['metadata']['name']}: host {rule.get('host')} does not route /console (Prefix) to the console Service")

    # Hooks: a chart-made Secret must exist before the migration Job runs.
    jobs = [j for j in by_kind.get("Job", []) if "helm.sh/hook" in j["metadata"]["annotations"]]
    for s in by_kind.get("Secret", []):
        ann = s["metadata"]["annotations"]
        for j in jobs:
            jann = j["metadata"]["annotations"]
            if "helm.sh/hook" not in ann or int(ann.get("helm.sh/hook-weight", "0")) >= int(jann.get("helm.sh/hook-weight", "0")):
                problems.append(f"Secret/{s['metadata']['name']}: not a hook that runs before Job/{j['metadata']['name']}")
    for j in jobs:
        ann = j["metadata"]["annotations"]
        if "pre-upgrade" not in ann["helm.sh/hook"]:
            problems.append(f"Job/{j['metadata']['name']}: not a pre-upgrade hook")
        # One `migrate` per schema, in order; none for the console, which has no schema.
        spec = j["spec"]["template"]["spec"]
        migrating = [c["name"] for c in spec.get("initContainers", []) + spec["containers"] if "migrate" in (c.get("args") or [])]
        if migrating != [f"migrate-{s}" for s in SCHEMA_SERVICES]:
            problems.append(f"Job/{j['metadata']['name']}: migrates {migrating}, expected "
                            f"{[f'migrate-{s}' for s in SCHEMA_SERVICES]} (in that order; the console has no schema)")
        # `migrate` reads DATABASE_URL and nothing else: no other secret belongs in the Job.
        spec = j["spec"]["template"]["spec"]
        for c in spec.get("initContainers", []) + spec["containers"]:
            if "migrate" in (c.get("args") or []):
                env_names = [e["name"] for e in c.get("env", [])]
                if env_names != ["DATABASE_URL"]:
                    problems.append(f"Job/{j['metadata']['name']} container {c['name']}: `migrate` should get only DATABASE_URL, gets {env_names}")

    # Dashboard ConfigMaps carry valid JSON.
    for cm in by_kind.get("ConfigMap", []):
        for key, text in (cm.get("data") or {}).items():
            if key.endswith(".json"):
                try:
                    json.loads(text)
                except json.JSONDecodeError as e:
                    problems.append(f"ConfigMap/{cm['metadata']['name']}: {key} is not JSON: {e}")
    return problems


def check_chart(chart: Path, out: Path, fail: Failures, step: str, quiet: bool = False) -> dict[str, int]:
    """Lints, renders, validates and cross-checks every profile of `chart`; returns object counts."""
    counts: dict[str, int] = {}
    files: list[Path] = []
    rendered: dict[str, tuple[list[dict], dict]] = {}
    for profile, values in profiles(chart).items():
        for problem in lint(chart, values):
            fail.add(step, f"helm lint ({profile}): {problem}")
        try:
            docs, notes, effective = render(chart, values)
        except helm.HelmError as e:
            fail.add(step, f"helm render ({profile}): {str(e).strip()}")
            continue
        manifests, crds = write_rendered(out / profile, docs, notes)
        files.append(manifests)
        rendered[profile] = (docs, effective)
        kinds: dict[str, int] = {}
        for d in docs:
            kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
        counts[profile] = len(docs)
        if not quiet:
            summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
            print(f"  {profile}: {len(docs)} objects ({summary}) -> {manifests.relative_to(ROOT)}")
    if files:
        for problem in kubernetes_validate(files):
            fail.add(step, f"kubernetes-validate: {problem}")
    for profile, (docs, values) in rendered.items():
        for problem in cross_check(docs, values):
            fail.add(step, f"cross-check ({profile}): {problem}")
    return counts


# ------------------------------------------------------------------------------- compose


def compose_schema(path: Path) -> list[str]:
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
    )
    if result.returncode == 0:
        return []
    lines = [l.strip() for l in (result.stdout + result.stderr).splitlines() if l.strip()]
    return [l for l in lines if not l.startswith("Schema validation errors")][:15] or lines[:1]


def compose_references(path: Path) -> list[str]:
    """References inside the file that the Compose schema cannot check."""
    problems: list[str] = []
    doc = yaml.safe_load(path.read_text())
    services = doc.get("services", {})
    declared_secrets = set((doc.get("secrets") or {}).keys())
    declared_volumes = set((doc.get("volumes") or {}).keys())
    if doc.get("name") != "juxuan":
        problems.append("top-level name is not juxuan")
    for name, svc in services.items():
        # The Compose schema takes any string here.
        restart = str(svc.get("restart", "no"))
        if not re.fullmatch(r"no|always|unless-stopped|on-failure(:[0-9]+)?", restart):
            problems.append(f"{name}: restart policy {restart!r} is not no, always, on-failure[:N] or unless-stopped")
        deps = svc.get("depends_on", {})
        for dep in deps if isinstance(deps, (dict, list)) else []:
            if dep not in services:
                problems.append(f"{name}: depends_on an unknown service {dep}")
        for secret in svc.get("secrets", []):
            secret_name = secret if isinstance(secret, str) else secret.get("source")
            if secret_name not in declared_secrets:
                problems.append(f"{name}: uses an undeclared secret {secret_name}")
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith((".", "/")):
                if not (path.parent / source).exists():
                    problems.append(f"{name}: mounts a missing path {source}")
            elif source and source not in declared_volumes:
                problems.append(f"{name}: uses an undeclared volume {source}")
        env = svc.get("environment") or {}
        for key, value in (env.items() if isinstance(env, dict) else []):
            if key.endswith("_FILE") and str(value).startswith("/run/secrets/"):
                if str(value).removeprefix("/run/secrets/") not in svc.get("secrets", []):
                    problems.append(f"{name}: {key} points at a secret the service does not mount")
        # `migrate` reads DATABASE_URL (or DATABASE_URL_FILE) and nothing else.
        if svc.get("command") == ["migrate"]:
            env_keys = set(env) if isinstance(env, dict) else {str(e).split("=", 1)[0] for e in env}
            if list(svc.get("secrets", [])) != ["database_url"] or env_keys - {"DATABASE_URL", "DATABASE_URL_FILE"}:
                problems.append(f"{name}: a `migrate` container should get only the database URL "
                                f"(secrets {svc.get('secrets', [])}, environment {sorted(env_keys)})")
        entry = svc.get("entrypoint") or []
        test = (svc.get("healthcheck") or {}).get("test") or []
        if entry and str(entry[0]).startswith("/usr/local/bin/juxuan-") and test:
            if test[1:2] != entry[:1] or "probe" not in test:
                problems.append(f"{name}: health check does not run `{entry[0]} probe ...`")
    # Every deployable runs; a `migrate` container per schema; the console gets no secret.
    for s in SERVICES:
        if s not in services:
            problems.append(f"no service {s} (expected one per deployable: {', '.join(SERVICES)})")
    for s in SCHEMA_SERVICES:
        if f"migrate-{s}" not in services:
            problems.append(f"no migrate-{s} container (a `migrate` per schema)")
    for s in STATELESS_SERVICES:
        if f"migrate-{s}" in services:
            problems.append(f"migrate-{s}: the {s} has no schema and no `migrate`")
        svc = services.get(s) or {}
        env = svc.get("environment") or {}
        env_keys = set(env) if isinstance(env, dict) else {str(e).split("=", 1)[0] for e in env}
        if svc.get("secrets") or env_keys & {"DATABASE_URL", "DATABASE_URL_FILE", "REDIS_URL", "REDIS_URL_FILE"}:
            problems.append(f"{s}: needs no secret, database or Redis (secrets {svc.get('secrets', [])}, "
                            f"environment {sorted(env_keys)})")
    for name, spec in (doc.get("secrets") or {}).items():
        if not str(spec.get("file", "")).startswith("./deploy/compose/secrets/"):
            problems.append(f"secret {name} is not read from deploy/compose/secrets/")
    return problems


# ---------------------------------------------------------------------------- dockerfile


def hadolint(path: Path) -> list[str]:
    result = subprocess.run([str(BIN / "hadolint"), "--no-color", str(path)], capture_output=True, text=True)
    if result.returncode == 0:
        return []
    return [l.strip() for l in (result.stdout + result.stderr).splitlines() if l.strip()] or [
        f"hadolint exited with {result.returncode}"
    ]


def dockerfile_facts(path: Path) -> list[str]:
    """What the deployment files rely on: the six binaries and the font in the runtime image."""
    text = path.read_text()
    problems = []
    if "--locked" not in text:
        problems.append("cargo build without --locked")
    for service in SERVICES:
        if f"-p juxuan-{service}" not in text:
            problems.append(f"juxuan-{service} is not built into the image (cargo build -p juxuan-{service})")
    if "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc" not in text:
        problems.append("the runtime image lacks wqy-microhei.ttc (JUXUAN_FONT_PATH)")
    if "distroless/cc-debian12:nonroot" not in text:
        problems.append("the runtime image is not distroless cc-debian12:nonroot")
    return problems


def shellcheck(paths: list[Path]) -> list[str]:
    result = subprocess.run([str(BIN / "shellcheck"), "--format=gcc", *map(str, paths)], capture_output=True, text=True)
    if result.returncode == 0:
        return []
    return [l.strip() for l in (result.stdout + result.stderr).splitlines() if l.strip()]


# ---------------------------------------------------------------------------- dashboards

METRIC = re.compile(r"\bjuxuan_[a-z0-9_]+")
SUFFIXES = ("_bucket", "_sum", "_count")


def exported_metrics() -> set[str]:
    """Metric names the Rust code defines: every "juxuan_..." string under crates/ and services/,
    so constants (`pub const POLLS_OPEN: &str = "juxuan_polls_open";` in services/ballot,
    `DB_POOL_MAX` in crates/platform/src/metrics.rs) count as well as `counter!("...")` literals."""
    names: set[str] = set()
    for top in ("crates", "services"):
        for f in (ROOT / top).rglob("*.rs"):
            names.update(re.findall(r'"(juxuan_[a-z0-9_]+)"', f.read_text(errors="replace")))
    return names


def queried_metrics(dashboard: dict) -> dict[str, set[str]]:
    """Metric names in every PromQL expression of a dashboard (panels and variables) -> panel titles."""
    found: dict[str, set[str]] = {}

    def visit(panel: dict) -> None:
        for t in panel.get("targets", []):
            for name in METRIC.findall(t.get("expr", "")):
                found.setdefault(name, set()).add(panel.get("title", "?"))
        for child in panel.get("panels", []):
            visit(child)

    for p in dashboard.get("panels", []):
        visit(p)
    for v in dashboard.get("templating", {}).get("list", []):
        query = v.get("query")
        text = query.get("query", "") if isinstance(query, dict) else str(query or "")
        for name in METRIC.findall(text + " " + str(v.get("definition", ""))):
            found.setdefault(name, set()).add(f"variable ${v.get('name')}")
    return found


def base_metric(name: str, exported: set[str]) -> str:
    if name in exported:
        return name
    for suffix in SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in exported:
            return name[: -len(suffix)]
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def dashboard_structure(path: Path) -> list[str]:
    problems: list[str] = []
    try:
        d = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        return [f"{path.name}: not JSON: {e}"]
    for key in ("uid", "title", "schemaVersion", "panels"):
        if not d.get(key):
            problems.append(f"{path.name}: no {key}")
    if not isinstance(d.get("schemaVersion"), int) or d.get("schemaVersion", 0) < 36:
        problems.append(f"{path.name}: schemaVersion should be an integer >= 36 (Grafana 9+)")
    variables = {v.get("name"): v for v in d.get("templating", {}).get("list", [])}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        problems.append(f"{path.name}: no `datasource` variable of type datasource/prometheus")
    ids: set[int] = set()
    occupied: dict[tuple[int, int], str] = {}

    def visit(panel: dict) -> None:
        title = panel.get("title", "?")
        pid = panel.get("id")
        if not isinstance(pid, int) or pid in ids:
            problems.append(f"{path.name}: panel {title!r} has a missing or duplicate id")
        ids.add(pid)
        g = panel.get("gridPos")
        if not g or not all(isinstance(g.get(k), int) for k in ("h", "w", "x", "y")):
            problems.append(f"{path.name}: panel {title!r} has no gridPos")
        else:
            if g["x"] + g["w"] > 24:
                problems.append(f"{path.name}: panel {title!r} is wider than the grid")
            for x in range(g["x"], g["x"] + g["w"]):
                for y in range(g["y"], g["y"] + g["h"]):
                    if (x, y) in occupied:
                        problems.append(f"{path.name}: panel {title!r} overlaps {occupied[(x, y)]!r}")
                        return
                    occupied[(x, y)] = title
        if panel.get("type") != "row":
            if (panel.get("datasource") or {}).get("uid") != "${datasource}":
                problems.append(f"{path.name}: panel {title!r} does not use ${{datasource}}")
            if not panel.get("targets"):
                problems.append(f"{path.name}: panel {title!r} has no query")
            for t in panel.get("targets", []):
                if not t.get("expr") or not t.get("refId"):
                    problems.append(f"{path.name}: panel {title!r} has a target without expr or refId")
                expr = t.get("expr", "")
                if expr.count("(") != expr.count(")") or expr.count("{") != expr.count("}"):
                    problems.append(f"{path.name}: panel {title!r} has unbalanced brackets: {expr}")
            if not (panel.get("fieldConfig") or {}).get("defaults", {}).get("unit"):
                problems.append(f"{path.name}: panel {title!r} has no unit")
        for child in panel.get("panels", []):
            visit(child)

    for p in d.get("panels", []):
        visit(p)
    return problems


GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__range": "1h", "$__interval": "1m", "$service": ".*", "$community": ".*"}


def promql_syntax(files: list[Path]) -> list[str] | None:
    """Every panel query as a recording rule through `promtool check rules`; None without promtool."""
    promtool = shutil.which("promtool")
    if not promtool:
        return None
    rules = []
    for f in files:
        d = json.loads(f.read_text())
        stack = list(d.get("panels", []))
        while stack:
            panel = stack.pop()
            stack.extend(panel.get("panels", []))
            for t in panel.get("targets", []):
                expr = t.get("expr", "")
                for var, value in GRAFANA_VARIABLES.items():
                    expr = expr.replace(var, value)
                rules.append({"record": f"dashboard:{len(rules)}", "expr": expr,
                              "labels": {"panel": f"{f.name}: {panel.get('title')}"}})
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as tmp:
        yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}, tmp, allow_unicode=True)
    try:
        result = subprocess.run([promtool, "check", "rules", tmp.name], capture_output=True, text=True)
    finally:
        Path(tmp.name).unlink()
    if result.returncode == 0:
        return []
    return [l.strip() for l in (result.stdout + result.stderr).splitlines() if l.strip() and "Checking" not in l]


def check_dashboards(directory: Path, fail: Failures, step: str, quiet: bool = False) -> tuple[int, set[str]]:
    files = sorted(directory.glob("*.json"))
    if not files:
        fail.add(step, f"no dashboards in {directory}")
    exported = exported_metrics()
    uids: dict[str, str] = {}
    used: dict[str, set[str]] = {}
    for f in files:
        for problem in dashboard_structure(f):
            fail.add(step, problem)
        try:
            d = json.loads(f.read_text())
        except json.JSONDecodeError:
            continue
        if d.get("uid") in uids:
            fail.add(step, f"{f.name}: uid {d['uid']} also used by {uids[d['uid']]}")
        uids[d.get("uid")] = f.name
        for name, panels in queried_metrics(d).items():
            used.setdefault(base_metric(name, exported), set()).update(f"{f.name}: {p}" for p in panels)
    missing = {m for m in used if m not in exported}
    for m in sorted(missing):
        fail.add(step, f"metric {m} is queried but not exported by the code (used in {'; '.join(sorted(used[m]))})")
    syntax = promql_syntax(files)
    for problem in syntax or []:
        fail.add(step, f"promtool check rules (PromQL of the panels): {problem}")
    if not quiet:
        print(f"  {len(files)} dashboards, {len(used)} metrics queried, {len(used) - len(missing)} found in the code")
        print("  PromQL syntax: " + ("skipped (no promtool: apt-get install prometheus; cargo xtask test does)" if syntax is None
                                     else "promtool check rules ok" if not syntax else "FAILED"))
    return len(files), missing


# ------------------------------------------------------------------------------ selftest


def expect_rejected(label: str, expected: str, fail: Failures, run) -> None:
    """Runs a check on a broken copy; it must report a problem that mentions `expected`."""
    probe = Failures()
    with contextlib.redirect_stdout(io.StringIO()):
        run(probe)
    hits = [m for _, m in probe.items if expected in m]
    if hits:
        # The problem, with the temporary paths shortened.
        shown = re.sub(r"/\S*juxuan-check-[^/\s]+/[^\s:]*", "<copy>", hits[0])
        print(f"  ok   {label}: rejected - {shown[:170]}")
    elif probe.items:
        fail.add("selftest", f"{label}: rejected, but not for `{expected}`: {probe.items[0][1][:200]}")
    else:
        fail.add("selftest", f"{label}: the broken copy PASSED the checks")


def delete_block(text: str, key_line: str) -> str:
    """Deletes the first line equal (stripped) to key_line and the more-indented lines under it."""
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.strip() == key_line:
            indent = len(line) - len(line.lstrip())
            j = i + 1
            while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent):
                j += 1
            return "".join(lines[:i] + lines[j:])
    raise SystemExit(f"selftest: `{key_line}` not found; update deploy/check.py")


def selftest(fail: Failures) -> None:
    with tempfile.TemporaryDirectory(prefix="juxuan-check-") as tmp:
        tmp_path = Path(tmp)

        def broken_chart(name: str, template: str, edit) -> Path:
            copy_dir = tmp_path / name / "juxuan"
            shutil.copytree(CHART, copy_dir)
            target = copy_dir / "templates" / template
            before = target.read_text()
            after = edit(before)
            assert after != before, f"selftest {name}: the edit changed nothing"
            target.write_text(after)
            return copy_dir

        # 1. A required field: the Deployments' selector (apps/v1 requires it).
        chart = broken_chart("no-selector", "deployment.yaml", lambda t: delete_block(t, "selector:"))
        expect_rejected("chart without Deployment.spec.selector", "'selector' is a required property", fail,
                        lambda f: check_chart(chart, tmp_path / "out1", f, "selftest", quiet=True))
        # 2. A container's image: not required by the Kubernetes schema, so the cross-check must catch it.
        chart = broken_chart("no-image", "deployment.yaml",
                             lambda t: re.sub(r"^\s+image: \{\{ include \"juxuan.image\" \$root \| quote \}\}\n", "", t, count=1, flags=re.M))
        expect_rejected("chart without a container image", "no image", fail,
                        lambda f: check_chart(chart, tmp_path / "out2", f, "selftest", quiet=True))
        # 3. A misspelt field: strict validation rejects unknown properties.
        chart = broken_chart("typo", "service.yaml", lambda t: t.replace("targetPort: grpc", "targetPortt: grpc", 1))
        expect_rejected("chart with a misspelt field (targetPortt)", "targetPortt", fail,
                        lambda f: check_chart(chart, tmp_path / "out3", f, "selftest", quiet=True))
        # 3b. The migration Job given more than DATABASE_URL (the rendered Job, edited in memory).
        def migrate_env(f: Failures) -> None:
            docs, _, effective = render(CHART, {})
            job = next(d for d in docs if d["kind"] == "Job")
            job["spec"]["template"]["spec"]["containers"][0]["env"].append(
                {"name": "REDIS_URL", "valueFrom": {"secretKeyRef": {"name": "juxuan-secrets", "key": "REDIS_URL"}}})
            for problem in cross_check(docs, effective):
                f.add("selftest", problem)
        expect_rejected("migration Job given REDIS_URL", "should get only DATABASE_URL", fail, migrate_env)
        # 3c. The console given the Secret (the rendered Deployment, edited in memory).
        def console_secret(f: Failures) -> None:
            docs, _, effective = render(CHART, {})
            console = next(d for d in docs if d["kind"] == "Deployment"
                           and d["metadata"]["labels"].get("app.kubernetes.io/component") == "console")
            console["spec"]["template"]["spec"]["containers"][0]["env"].append(
                {"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": "juxuan-secrets", "key": "DATABASE_URL"}}})
            for problem in cross_check(docs, effective):
                f.add("selftest", problem)
        expect_rejected("console Deployment given DATABASE_URL", "the console needs no Secret", fail, console_secret)
        # 4. A misspelt value: values.schema.json rejects unknown keys.
        def misspelt_value(f: Failures) -> None:
            for problem in lint(CHART, {"gatewy": {"replicaCount": 3}}):
                f.add("selftest", problem)
        expect_rejected("values with a misspelt key (gatewy)", "gatewy", fail, misspelt_value)

        # 5. Compose: an unknown service key, and a wrong depends_on condition.
        def broken_compose(name: str, edit) -> Path:
            target = tmp_path / name / "docker-compose.yml"
            target.parent.mkdir(parents=True)
            text = COMPOSE.read_text()
            target.write_text(edit(text))
            assert target.read_text() != text
            return target

        bad = broken_compose("compose-key", lambda t: t.replace("    healthcheck:\n      <<: *probe", "    helthcheck:\n      <<: *probe", 1))
        expect_rejected("compose file with an unknown key (helthcheck)", "helthcheck", fail,
                        lambda f: [f.add("selftest", p) for p in compose_schema(bad)])
        bad = broken_compose("compose-condition", lambda t: t.replace("condition: service_completed_successfully", "condition: service_finished", 1))
        expect_rejected("compose file with an invalid depends_on condition", "service_finished", fail,
                        lambda f: [f.add("selftest", p) for p in compose_schema(bad)])

        # 5b. Compose: a migrate container given more than the database URL.
        bad = broken_compose("compose-migrate", lambda t: t.replace(
            "    DATABASE_URL_FILE: /run/secrets/database_url\n  secrets: [database_url]\n",
            "    DATABASE_URL_FILE: /run/secrets/database_url\n  secrets: [database_url, redis_url]\n", 1))
        expect_rejected("compose file giving `migrate` the Redis URL", "should get only the database URL", fail,
                        lambda f: [f.add("selftest", p) for p in compose_references(bad)])

        # 6. Dockerfile: a misspelt instruction.
        bad_dockerfile = tmp_path / "Dockerfile"
        bad_dockerfile.write_text(DOCKERFILE.read_text().replace("\nCOPY --from=builder", "\nCOPPY --from=builder", 1))
        expect_rejected("Dockerfile with a misspelt instruction (COPPY)", "unexpected", fail,
                        lambda f: [f.add("selftest", p) for p in hadolint(bad_dockerfile)])

        # 7. Dashboards: a query of a metric nobody exports.
        dash_dir = tmp_path / "dashboards"
        dash_dir.mkdir()
        for f in DASHBOARDS.glob("*.json"):
            shutil.copy(f, dash_dir / f.name)
        victim = dash_dir / "election-day.json"
        victim.write_text(victim.read_text().replace("juxuan_checkins_total", "juxuan_check_ins_total", 1))

        def unknown_metric(f: Failures) -> None:
            _, missing = check_dashboards(dash_dir, Failures(), "selftest", quiet=True)
            if "juxuan_check_ins_total" in missing:
                f.add("selftest", "juxuan_check_ins_total reported missing")
        expect_rejected("dashboard querying an unexported metric", "juxuan_check_ins_total", fail, unknown_metric)

        # 8. Dashboards: a PromQL syntax error (where promtool is installed).
        if shutil.which("promtool"):
            victim.write_text((DASHBOARDS / "election-day.json").read_text().replace("sum by (mode)", "sum bye (mode)", 1))
            expect_rejected("dashboard with a PromQL syntax error", "parse error", fail,
                            lambda f: [f.add("selftest", p) for p in promql_syntax([victim]) or []])
        else:
            print("  skip dashboard with a PromQL syntax error (no promtool)")


# ---------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    all_steps = ["helm", "compose", "dockerfile", "dashboards", "selftest"]
    parser.add_argument("steps", nargs="*", metavar="step", help=f"any of {', '.join(all_steps)} (default: all)")
    args = parser.parse_args()
    unknown = [s for s in args.steps if s not in all_steps]
    if unknown:
        parser.error(f"unknown step(s) {', '.join(unknown)}; choose from {', '.join(all_steps)}")
    args.steps = args.steps or all_steps
    fail = Failures()
    timings: dict[str, float] = {}
    started = time.monotonic()

    def timed(step: str, fn) -> None:
        print(f"== {step}")
        t0 = time.monotonic()
        fn()
        timings[step] = time.monotonic() - t0

    if "helm" in args.steps:
        timed("helm", lambda: check_chart(CHART, OUT, fail, "helm"))
    if "compose" in args.steps:
        def compose() -> None:
            for p in compose_schema(COMPOSE):
                fail.add("compose", f"compose-spec: {p}")
            for p in compose_references(COMPOSE):
                fail.add("compose", f"references: {p}")
            doc = yaml.safe_load(COMPOSE.read_text())
            print(f"  {COMPOSE.name}: {len(doc['services'])} services, {len(doc.get('secrets', {}))} secrets")
            # Prometheus' own check of its configuration, where Debian's `prometheus` package is installed.
            promtool = shutil.which("promtool")
            config = ROOT / "deploy" / "compose" / "prometheus.yml"
            if promtool:
                result = subprocess.run([promtool, "check", "config", str(config)], capture_output=True, text=True)
                if result.returncode != 0:
                    fail.add("compose", f"promtool check config: {(result.stdout + result.stderr).strip()}")
                else:
                    print(f"  {config.relative_to(ROOT)}: promtool check config ok")
            else:
                print(f"  {config.relative_to(ROOT)}: skipped (no promtool: apt-get install prometheus; cargo xtask test does)")
        timed("compose", compose)
    if "dockerfile" in args.steps:
        def dockerfile() -> None:
            for p in hadolint(DOCKERFILE) + dockerfile_facts(DOCKERFILE):
                fail.add("dockerfile", f"Dockerfile: {p}")
            for p in shellcheck(SCRIPTS):
                fail.add("dockerfile", f"shellcheck: {p}")
            print(f"  Dockerfile (hadolint), {', '.join(str(p.relative_to(ROOT)) for p in SCRIPTS)} (shellcheck)")
        timed("dockerfile", dockerfile)
    if "dashboards" in args.steps:
        timed("dashboards", lambda: check_dashboards(DASHBOARDS, fail, "dashboards"))
    if "selftest" in args.steps:
        timed("selftest", lambda: selftest(fail))

    print()
    print("== summary")
    for step in args.steps:
        problems = fail.of(step)
        status = "ok" if not problems else f"FAILED ({len(problems)})"
        print(f"  {step:<11} {status:<14} {timings.get(step, 0):6.1f} s")
    print(f"  total {time.monotonic() - started:.1f} s; rendered manifests in {OUT.relative_to(ROOT)}/")
    if fail.items:
        print()
        print("Problems:")
        for step, message in fail.items:
            print(f"  [{step}] {message}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
