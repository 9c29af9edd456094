"""Check the rendered Kubernetes manifests of the DMS overlays.

Called by tests/k8s/check.sh, which renders each overlay with throwaway
secrets first:

    check_manifests.py --repo ROOT --kubernetes-version 1.30 NAME=RENDERED.yaml...

Prints one line per check, "PASS: <name>" or "FAIL: <name>: <reason>", then
"DONE". Exits 1 when a check failed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import subprocess
import sys
import tomllib
import urllib.parse
from pathlib import Path
from typing import Any, Callable

import kubernetes_validate
import yaml

# Env names of `dms-worker run`, used while worker/src/configuration.rs does
# not declare the `run` subcommand yet. Once it does, the names come from the
# `env = "..."` attributes of its Run options.
FALLBACK_WORKER_ENV = [
    "DATABASE_URL", "AMQP_URL", "AMQP_PREFIX", "WORKER_ROLES", "LISTEN_ADDR",
    "JWT_VERIFYING_KEYS", "JWT_ISSUER", "JWT_AUDIENCE", "CORS_ORIGINS",
    "INGEST_BATCH_SIZE", "INGEST_BATCH_WAIT_MS", "SIMULATOR_INTERVAL_SECONDS",
    "SIMULATOR_BACKFILL_DAYS", "SIMULATOR_SPIKE_PROBABILITY", "AI_BASE_URL",
    "AI_MODEL", "AI_TOKEN", "AI_TIMEOUT_SECONDS", "AI_MAX_TOKENS", "RUST_LOG",
]

# Maximum PostgreSQL connections that one pod opens: Spin 3.6 keeps one pool
# of at most 64 per database URL (CONNECTION_POOL_SIZE in Spin's
# factor-outbound-pg crate), and the worker's pool is assumed to be 10.
SPIN_POOL_SIZE = 64
WORKER_POOL_SIZE = 10

WORKER_PORT = 4000
SPIN_APP_PORT = 80
DATABASE_CLIENT_LABEL = ("dms/database-client", "true")
BROKER_CLIENT_LABEL = ("dms/broker-client", "true")
METERS_PERMISSIONS = {"configure": "^$", "write": r"^dms\.readings$", "read": "^$"}


class Results:
    """Collects and prints check results."""

    def __init__(self) -> None:
        self.failed = 0

    def record(self, name: str, problems: list[str]) -> None:
        if problems:
            self.failed += 1
            print(f"FAIL: {name}: " + "; ".join(problems))
        else:
            print(f"PASS: {name}")

    def run(self, name: str, check: Callable[[], list[str]]) -> None:
        """Run one check; an exception counts as a failure of that check."""
        try:
            problems = check()
        except Exception as error:  # noqa: BLE001 - reported, not hidden
            problems = [f"check raised {type(error).__name__}: {error}"]
        self.record(name, problems)


# ---------------------------------------------------------------- helpers


def load_objects(path: Path) -> list[dict[str, Any]]:
    with path.open() as file:
        return [doc for doc in yaml.safe_load_all(file) if doc]


def find(objects: list[dict], kind: str, name: str | None = None) -> list[dict]:
    return [
        obj for obj in objects
        if obj.get("kind") == kind and (name is None or obj["metadata"]["name"] == name)
    ]


def find_one(objects: list[dict], kind: str, name: str) -> dict:
    matches = find(objects, kind, name)
    if len(matches) != 1:
        raise LookupError(f"expected one {kind} named {name}, found {len(matches)}")
    return matches[0]


def data_value(obj: dict, key: str) -> str | None:
    """Return a key of a Secret or ConfigMap as text, or None when absent."""
    if key in (obj.get("stringData") or {}):
        return obj["stringData"][key]
    if key in (obj.get("data") or {}):
        if obj["kind"] == "Secret":
            return base64.b64decode(obj["data"][key]).decode()
        return obj["data"][key]
    return None


def find_generated(objects: list[dict], kind: str, name: str) -> dict:
    """Find the one Secret or ConfigMap that a Kustomize generator named `name`.

    Generated names carry a 10-character hash suffix.
    """
    pattern = re.compile(re.escape(name) + r"(-[a-z0-9]{10})?")
    matches = [
        obj for obj in objects
        if obj.get("kind") == kind and pattern.fullmatch(obj["metadata"]["name"])
    ]
    if len(matches) != 1:
        raise LookupError(f"expected one {kind} generated as {name}, found {len(matches)}")
    return matches[0]


def secret_value(objects: list[dict], name: str, key: str) -> str:
    value = data_value(find_generated(objects, "Secret", name), key)
    if value is None:
        raise LookupError(f"Secret {name} has no key {key}")
    return value


def name_list(names: set[str]) -> str:
    return ", ".join(sorted(names))


def compare_names(expected: set[str], actual: set[str], where: str, source: str) -> list[str]:
    problems = []
    missing = expected - actual
    extra = actual - expected
    if missing:
        problems.append(f"{where} lacks {name_list(missing)} (declared in {source})")
    if extra:
        problems.append(f"{where} sets {name_list(extra)}, which {source} does not declare")
    return problems


def labels_match(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def pod_template(obj: dict) -> dict:
    return obj["spec"]["template"]


def container(obj: dict, name: str) -> dict:
    for candidate in pod_template(obj)["spec"]["containers"]:
        if candidate["name"] == name:
            return candidate
    raise LookupError(f"{obj['kind']} {obj['metadata']['name']} has no container {name}")


def base64url_decode(text: str) -> bytes:
    if "=" in text:
        raise ValueError("base64url value must not be padded")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ------------------------------------------------------------ schema checks

def spinapp_fields(obj: dict) -> list[str]:
    spec = obj.get("spec") or {}
    problems = []
    if not isinstance(spec.get("image"), str) or not spec["image"]:
        problems.append("spec.image must be a non-empty string")
    if spec.get("executor") != "containerd-shim-spin":
        problems.append(f"spec.executor is {spec.get('executor')!r}, expected containerd-shim-spin")
    if not isinstance(spec.get("replicas"), int) or spec["replicas"] < 1:
        problems.append("spec.replicas must be an integer of at least 1")
    return problems


def cnpg_cluster_fields(obj: dict) -> list[str]:
    spec = obj.get("spec") or {}
    problems = []
    if not isinstance(spec.get("instances"), int) or spec["instances"] < 1:
        problems.append("spec.instances must be an integer of at least 1")
    if not (spec.get("storage") or {}).get("size"):
        problems.append("spec.storage.size is missing")
    parameters = (spec.get("postgresql") or {}).get("parameters") or {}
    for key, value in parameters.items():
        if not isinstance(value, str):
            problems.append(f"spec.postgresql.parameters.{key} must be a string")
    return problems


def rabbitmq_cluster_fields(obj: dict) -> list[str]:
    replicas = (obj.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or replicas < 1:
        return ["spec.replicas must be an integer of at least 1"]
    return []


def cluster_reference(spec: dict) -> list[str]:
    if not (spec.get("rabbitmqClusterReference") or {}).get("name"):
        return ["spec.rabbitmqClusterReference.name is missing"]
    return []


def rabbitmq_user_fields(obj: dict) -> list[str]:
    spec = obj.get("spec") or {}
    problems = cluster_reference(spec)
    if not (spec.get("importCredentialsSecret") or {}).get("name"):
        problems.append("spec.importCredentialsSecret.name is missing")
    return problems


def rabbitmq_permission_fields(obj: dict) -> list[str]:
    spec = obj.get("spec") or {}
    problems = cluster_reference(spec)
    if not spec.get("vhost"):
        problems.append("spec.vhost is missing")
    if not spec.get("user") and not spec.get("userReference"):
        problems.append("spec.user or spec.userReference is required")
    for key in ("configure", "write", "read"):
        if not isinstance((spec.get("permissions") or {}).get(key), str):
            problems.append(f"spec.permissions.{key} must be a string")
    return problems


def rabbitmq_vhost_fields(obj: dict) -> list[str]:
    spec = obj.get("spec") or {}
    problems = cluster_reference(spec)
    if not spec.get("name"):
        problems.append("spec.name is missing")
    return problems


# Custom resources that kubernetes-validate has no schema for, with the
# fields that their operators require.
CUSTOM_RESOURCE_CHECKS: dict[tuple[str, str], Callable[[dict], list[str]]] = {
    ("core.spinkube.dev/v1alpha1", "SpinApp"): spinapp_fields,
    ("postgresql.cnpg.io/v1", "Cluster"): cnpg_cluster_fields,
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): rabbitmq_cluster_fields,
    ("rabbitmq.com/v1beta1", "User"): rabbitmq_user_fields,
    ("rabbitmq.com/v1beta1", "Permission"): rabbitmq_permission_fields,
    ("rabbitmq.com/v1beta1", "Vhost"): rabbitmq_vhost_fields,
}


def validate_object(obj: dict, kubernetes_version: str) -> list[str]:
    custom_check = CUSTOM_RESOURCE_CHECKS.get((obj.get("apiVersion"), obj.get("kind")))
    if custom_check is not None:
        return custom_check(obj)
    try:
        kubernetes_validate.validate(obj, kubernetes_version, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(item) for item in error.path)
        return [f"invalid at {path or '(root)'}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [f"{error.message}; a custom resource needs an entry in CUSTOM_RESOURCE_CHECKS"]
    return []


# -------------------------------------------------------- configuration checks


def spin_variables(repo: Path) -> dict[str, dict]:
    with (repo / "spin.toml").open("rb") as file:
        return tomllib.load(file).get("variables", {})


def rust_item_bodies(source: str, keyword: str) -> dict[str, str]:
    """Return the brace-delimited bodies of every `struct` or `enum` by name."""
    bodies = {}
    for match in re.finditer(rf"\b{keyword}\s+(\w+)[^{{;]*{{", source):
        depth, index = 1, match.end()
        while depth and index < len(source):
            depth += {"{": 1, "}": -1}.get(source[index], 0)
            index += 1
        bodies[match.group(1)] = source[match.end():index - 1]
    return bodies


def clap_env_names(structs: dict[str, str], name: str, seen: set[str]) -> set[str]:
    """Collect the `env = "..."` names of a clap Args struct and the structs it flattens."""
    if name in seen or name not in structs:
        return set()
    seen.add(name)
    body = structs[name]
    names = set(re.findall(r'\benv\s*=\s*"(\w+)"', body))
    flattened = re.findall(r"#\[command\(flatten\)\]\s*(?:pub\s+)?\w+\s*:\s*(?:Option<)?(\w+)", body)
    for type_name in flattened:
        names |= clap_env_names(structs, type_name, seen)
    return names


def worker_env_names(repo: Path) -> tuple[set[str], str]:
    """Return the env names of `dms-worker run` and where they came from.

    They are the `env = "..."` attributes of the options struct of the `Run`
    variant in worker/src/configuration.rs, including flattened structs, so
    that options of one-off subcommands (create-admin's password) stay out.
    Until that file declares a `Run` variant, the names come from
    FALLBACK_WORKER_ENV.
    """
    fallback = set(FALLBACK_WORKER_ENV)
    configuration = repo / "worker" / "src" / "configuration.rs"
    if not configuration.exists():
        return fallback, "the fallback list in tests/k8s/check_manifests.py (no worker/src/configuration.rs)"
    source = configuration.read_text()
    commands = rust_item_bodies(source, "enum").get("Command", "")
    run = re.search(r"\bRun\s*\(\s*(?:Box\s*<\s*)?(\w+)\s*>?\s*\)", commands)
    if run is None:
        return fallback, (
            "the fallback list in tests/k8s/check_manifests.py"
            " (worker/src/configuration.rs has no Run(Options) variant yet)"
        )
    names = clap_env_names(rust_item_bodies(source, "struct"), run.group(1), set())
    if not names:
        raise LookupError(f"{configuration}: the options of Run declare no env = \"NAME\"")
    # RUST_LOG is read by the log filter (worker/src/telemetry.rs), not by clap.
    return names | {"RUST_LOG"}, f"the options of `dms-worker run` in {configuration.relative_to(repo)}"


def check_spinapp_variables(objects: list[dict], repo: Path) -> list[str]:
    declared = spin_variables(repo)
    spinapp = find_one(objects, "SpinApp", "dms-app")
    variables = spinapp["spec"].get("variables") or []
    problems = compare_names(
        set(declared), {v["name"] for v in variables},
        "SpinApp dms-app spec.variables (SpinKube/base/spinapp.yaml)", "spin.toml [variables]",
    )
    for variable in variables:
        source = variable.get("valueFrom") or {}
        if "value" in variable or len(source) != 1:
            problems.append(f"{variable['name']} must take its value from one Secret or ConfigMap")
        elif (declared.get(variable["name"]) or {}).get("secret") and "secretKeyRef" not in source:
            problems.append(f"{variable['name']} is secret in spin.toml but not read from a Secret")
    return problems


def check_worker_env(objects: list[dict], repo: Path) -> list[str]:
    expected, source = worker_env_names(repo)
    env = container(find_one(objects, "Deployment", "dms-worker"), "worker").get("env") or []
    problems = compare_names(
        expected, {item["name"] for item in env},
        "Deployment dms-worker env (SpinKube/base/worker.yaml)", source,
    )
    # One setting, one name: the key is the env name in lower case.
    for item in env:
        for ref in (item.get("valueFrom") or {}).values():
            if ref.get("key") != item["name"].lower():
                problems.append(f"{item['name']} reads key {ref.get('key')!r}, expected {item['name'].lower()!r}")
    return problems


def key_references(objects: list[dict]) -> list[tuple[str, str, dict]]:
    """Return (owner, kind, reference) for every Secret and ConfigMap key reference."""
    references = []
    for obj in objects:
        owner = f"{obj['kind']} {obj['metadata']['name']}"
        if obj["kind"] == "SpinApp":
            items = obj["spec"].get("variables") or []
        elif obj["kind"] in ("Deployment", "StatefulSet", "Job"):
            items = [
                item for c in pod_template(obj)["spec"]["containers"] for item in c.get("env") or []
            ]
        else:
            continue
        for item in items:
            source = item.get("valueFrom") or {}
            if "secretKeyRef" in source:
                references.append((owner, "Secret", source["secretKeyRef"]))
            if "configMapKeyRef" in source:
                references.append((owner, "ConfigMap", source["configMapKeyRef"]))
    return references


def check_references_resolve(objects: list[dict]) -> list[str]:
    problems = []
    for owner, kind, ref in key_references(objects):
        targets = find(objects, kind, ref["name"])
        if not targets:
            problems.append(f"{owner} refers to missing {kind} {ref['name']}")
        elif data_value(targets[0], ref["key"]) is None and not ref.get("optional"):
            problems.append(f"{owner} refers to missing key {ref['key']} of {kind} {ref['name']}")
    return problems


# ------------------------------------------------------------ workload checks


def check_worker_deployment(objects: list[dict]) -> list[str]:
    deployment = find_one(objects, "Deployment", "dms-worker")
    worker = container(deployment, "worker")
    pod_security = pod_template(deployment)["spec"].get("securityContext") or {}
    security = worker.get("securityContext") or {}
    problems = []
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        http = (worker.get(probe) or {}).get("httpGet") or {}
        port = http.get("port")
        if port == "http":
            port = next((p["containerPort"] for p in worker.get("ports", []) if p.get("name") == "http"), None)
        if http.get("path") != path or port != WORKER_PORT:
            problems.append(f"{probe} must GET {path} on port {WORKER_PORT}")
    if worker.get("args") != ["run"]:
        problems.append("the worker container must run `dms-worker run`")
    if not (pod_security.get("runAsNonRoot") or security.get("runAsNonRoot")):
        problems.append("runAsNonRoot is not set")
    if security.get("readOnlyRootFilesystem") is not True:
        problems.append("readOnlyRootFilesystem is not true")
    if security.get("allowPrivilegeEscalation") is not False:
        problems.append("allowPrivilegeEscalation is not false")
    resources = worker.get("resources") or {}
    for section in ("requests", "limits"):
        if not {"cpu", "memory"} <= set(resources.get(section) or {}):
            problems.append(f"resources.{section} needs cpu and memory")
    if "replicas" in deployment["spec"]:
        problems.append("spec.replicas is set although the HorizontalPodAutoscaler owns it")
    return problems


def check_worker_companions(objects: list[dict]) -> list[str]:
    problems = []
    service = find_one(objects, "Service", "dms-worker")
    if [p["port"] for p in service["spec"]["ports"]] != [WORKER_PORT]:
        problems.append(f"Service dms-worker must expose port {WORKER_PORT}")
    hpa = find_one(objects, "HorizontalPodAutoscaler", "dms-worker")
    if hpa["apiVersion"] != "autoscaling/v2" or hpa["spec"]["scaleTargetRef"]["name"] != "dms-worker":
        problems.append("HorizontalPodAutoscaler dms-worker must be autoscaling/v2 and target the worker")
    pdb = find_one(objects, "PodDisruptionBudget", "dms-worker")
    worker_labels = pod_template(find_one(objects, "Deployment", "dms-worker"))["metadata"]["labels"]
    if not labels_match(pdb["spec"]["selector"]["matchLabels"], worker_labels):
        problems.append("PodDisruptionBudget dms-worker does not select the worker pods")
    job = find_one(objects, "Job", "dms-migrate")
    migrate = container(job, "migrate")
    if migrate.get("args") != ["migrate"]:
        problems.append("Job dms-migrate must run `dms-worker migrate`")
    worker_image = container(find_one(objects, "Deployment", "dms-worker"), "worker")["image"]
    if migrate["image"] != worker_image:
        problems.append(f"Job dms-migrate runs {migrate['image']}, the worker runs {worker_image}")
    return problems


def ingress_backends(ingress: dict) -> dict[str, tuple[str, int]]:
    backends = {}
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            service = path["backend"]["service"]
            backends[path["path"]] = (service["name"], service["port"]["number"])
    return backends


def check_ingresses(objects: list[dict]) -> list[str]:
    problems = []
    ingresses = find(objects, "Ingress")
    app = find_one(objects, "Ingress", "dms")
    socketio = find_one(objects, "Ingress", "dms-socketio")
    for ingress in ingresses:
        if ingress["spec"].get("ingressClassName") != "nginx":
            problems.append(f"Ingress {ingress['metadata']['name']} must use ingressClassName nginx")
    hosts = {rule.get("host") for ingress in ingresses for rule in ingress["spec"]["rules"]}
    if len(hosts) != 1:
        problems.append(f"all Ingresses must serve one origin, found hosts {hosts}")

    app_paths = ingress_backends(app)
    for ingress in ingresses:
        if ingress["metadata"]["name"] not in ("dms", "dms-socketio"):
            app_paths.update(ingress_backends(ingress))
    for path in ("/docs", "/.well-known", "/"):
        if app_paths.get(path) != ("dms-app", SPIN_APP_PORT):
            problems.append(f"{path} must go to Service dms-app port {SPIN_APP_PORT}")
    if not any(path == "/api" or path.startswith("/api/") for path in app_paths):
        problems.append("no Ingress path sends /api to dms-app")

    if ingress_backends(socketio) != {"/socket.io": ("dms-worker", WORKER_PORT)}:
        problems.append(f"Ingress dms-socketio must send /socket.io to dms-worker port {WORKER_PORT}")
    annotations = socketio["metadata"].get("annotations") or {}
    if annotations.get("nginx.ingress.kubernetes.io/affinity") != "cookie":
        problems.append("Ingress dms-socketio needs cookie affinity")
    for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
        value = annotations.get(f"nginx.ingress.kubernetes.io/{timeout}", "60")
        if int(value) < 3600:
            problems.append(f"Ingress dms-socketio {timeout} is {value} s, WebSockets need at least 3600")
    if "nginx.ingress.kubernetes.io/affinity" in (app["metadata"].get("annotations") or {}):
        problems.append("Ingress dms must not carry the Socket.IO affinity annotations")
    return problems


# ------------------------------------------------------------ network checks


def database_pod_labels(objects: list[dict]) -> list[dict[str, str]]:
    labels = [pod_template(s)["metadata"]["labels"] for s in find(objects, "StatefulSet", "dms-postgres")]
    for cluster in find(objects, "Cluster"):
        labels.append(((cluster["spec"].get("inheritedMetadata") or {}).get("labels")) or {})
    return labels


def broker_pod_labels(objects: list[dict]) -> list[dict[str, str]]:
    labels = [pod_template(s)["metadata"]["labels"] for s in find(objects, "StatefulSet", "dms-rabbitmq")]
    for cluster in find(objects, "RabbitmqCluster"):
        override = (cluster["spec"].get("override") or {}).get("statefulSet") or {}
        template = ((override.get("spec") or {}).get("template") or {}).get("metadata") or {}
        labels.append(template.get("labels") or {})
    return labels


def admitted_pod_selectors(policy: dict) -> list[dict[str, str]]:
    return [
        peer["podSelector"].get("matchLabels") or {}
        for rule in policy["spec"].get("ingress") or []
        for peer in rule.get("from") or []
        if "podSelector" in peer and "namespaceSelector" not in peer
    ]


def check_network_policies(objects: list[dict]) -> list[str]:
    problems = []
    database_policy = find_one(objects, "NetworkPolicy", "dms-database")
    broker_policy = find_one(objects, "NetworkPolicy", "dms-broker")
    database_pods = database_pod_labels(objects)
    broker_pods = broker_pod_labels(objects)
    database_selector = database_policy["spec"]["podSelector"]["matchLabels"]
    broker_selector = broker_policy["spec"]["podSelector"]["matchLabels"]
    if len(database_pods) != 1 or not labels_match(database_selector, database_pods[0]):
        problems.append("NetworkPolicy dms-database does not select the one PostgreSQL workload")
    if len(broker_pods) != 1 or not labels_match(broker_selector, broker_pods[0]):
        problems.append("NetworkPolicy dms-broker does not select the one RabbitMQ workload")
    meters = find_one(objects, "Service", "dms-meters-amqp")
    if broker_pods and not labels_match(meters["spec"]["selector"], broker_pods[0]):
        problems.append("Service dms-meters-amqp does not select the RabbitMQ pods")

    database_clients = {
        "SpinApp dms-app": find_one(objects, "SpinApp", "dms-app")["spec"].get("podLabels") or {},
        "Deployment dms-worker": pod_template(find_one(objects, "Deployment", "dms-worker"))["metadata"]["labels"],
        "Job dms-migrate": pod_template(find_one(objects, "Job", "dms-migrate"))["metadata"]["labels"],
    }
    admitted = admitted_pod_selectors(database_policy)
    for client, labels in database_clients.items():
        if not any(labels_match(selector, labels) for selector in admitted):
            problems.append(f"NetworkPolicy dms-database does not admit {client}")
    if dict([DATABASE_CLIENT_LABEL]) not in admitted:
        problems.append(f"NetworkPolicy dms-database must admit pods labelled {'='.join(DATABASE_CLIENT_LABEL)}")

    worker_labels = database_clients["Deployment dms-worker"]
    if not any(labels_match(s, worker_labels) for s in admitted_pod_selectors(broker_policy)):
        problems.append("NetworkPolicy dms-broker does not admit the worker")
    if dict([BROKER_CLIENT_LABEL]) not in admitted_pod_selectors(broker_policy):
        problems.append(f"NetworkPolicy dms-broker must admit pods labelled {'='.join(BROKER_CLIENT_LABEL)}")
    for client in ("SpinApp dms-app", "Job dms-migrate"):
        if any(labels_match(s, database_clients[client]) for s in admitted_pod_selectors(broker_policy)):
            problems.append(f"{client} never speaks AMQP but NetworkPolicy dms-broker admits it")

    tiers = [("database", database_pods), ("broker", broker_pods)]
    for policy in find(objects, "NetworkPolicy"):
        selector = policy["spec"]["podSelector"].get("matchLabels") or {}
        for tier, pods in tiers:
            if pods and labels_match(selector, pods[0]):
                problems += open_ingress_rules(policy, tier)
    return problems


def open_ingress_rules(policy: dict, tier: str) -> list[str]:
    """List the rules of a policy that would open the database or broker too widely.

    A rule without sources, or a source that is an empty pod selector, admits
    every pod. Address ranges are for meters only, so only the broker's AMQP
    port may have them.
    """
    problems = []
    name = policy["metadata"]["name"]
    for rule in policy["spec"].get("ingress") or []:
        peers = rule.get("from") or []
        ports = {port.get("port") for port in rule.get("ports") or []}
        if not peers:
            problems.append(f"NetworkPolicy {name} admits every source to the {tier}")
        for peer in peers:
            if peer.get("podSelector") == {} and "namespaceSelector" not in peer:
                problems.append(f"NetworkPolicy {name} admits every pod to the {tier}")
            if "ipBlock" in peer and (tier != "broker" or ports != {5672}):
                problems.append(f"NetworkPolicy {name} admits an address range to the {tier} beyond AMQP")
    return problems


# ------------------------------------------------------------- secret checks


def service_exists(objects: list[dict], host: str) -> bool:
    """Return whether an in-cluster DNS name of namespace dms belongs to a rendered Service."""
    match = re.fullmatch(r"([a-z0-9-]+)\.dms\.svc\.cluster\.local", host)
    if not match:
        return False
    name = match.group(1)
    if find(objects, "Service", name) or find(objects, "RabbitmqCluster", name):
        return True
    # CloudNativePG creates <cluster>-rw, -ro and -r.
    return any(
        name in (f"{cluster['metadata']['name']}-{suffix}" for suffix in ("rw", "ro", "r"))
        for cluster in find(objects, "Cluster")
    )


def check_database_url(objects: list[dict]) -> list[str]:
    problems = []
    url = urllib.parse.urlsplit(secret_value(objects, "dms-database", "database_url"))
    database_host = data_value(find_generated(objects, "ConfigMap", "dms-config"), "database_host")
    if url.scheme != "postgres":
        problems.append(f"database_url scheme is {url.scheme}, expected postgres")
    if f"{url.hostname}:{url.port}" != database_host:
        problems.append(f"database_url points at {url.hostname}:{url.port} but database_host is {database_host}")
    if not service_exists(objects, url.hostname or ""):
        problems.append(f"no Service answers for the database host {url.hostname}")
    if urllib.parse.parse_qs(url.query).get("sslmode") != ["disable"]:
        problems.append("database_url must end in ?sslmode=disable (see docs/kubernetes.md, Database TLS)")
    owner = (
        secret_value(objects, "dms-postgres-app", "username"),
        secret_value(objects, "dms-postgres-app", "password"),
    )
    if (url.username, url.password) != owner:
        problems.append("database_url credentials differ from Secret dms-postgres-app")
    return problems


def rabbitmq_password_matches(password_hash: str, password: str) -> bool:
    """Check a rabbit_password_hashing_sha256 hash: base64(salt || SHA-256(salt || password))."""
    raw = base64.b64decode(password_hash)
    salt, digest = raw[:4], raw[4:]
    return hashlib.sha256(salt + password.encode()).digest() == digest


def check_broker_credentials(objects: list[dict]) -> list[str]:
    problems = []
    url = urllib.parse.urlsplit(secret_value(objects, "dms-broker", "amqp_url"))
    if url.scheme != "amqp" or url.path != "/dms":
        problems.append("amqp_url must be amqp://USER:PASSWORD@HOST:5672/dms")
    if not service_exists(objects, url.hostname or ""):
        problems.append(f"no Service answers for the broker host {url.hostname}")

    if find(objects, "StatefulSet", "dms-rabbitmq"):
        # minikube: users.json contains salted hashes of the passwords.
        users_json = secret_value(objects, "dms-rabbitmq-users", "users.json")
        users = {user["name"]: user for user in json.loads(users_json)["users"]}
        worker = users.get(url.username or "")
        if worker is None:
            problems.append(f"users.json defines no user {url.username}")
        elif not rabbitmq_password_matches(worker["password_hash"], url.password or ""):
            problems.append("the password in amqp_url does not match the worker's hash in users.json")
    else:
        # Operator: each User object imports username and password from a Secret.
        passwords = {}
        for user in find(objects, "User"):
            secret = find_one(objects, "Secret", user["spec"]["importCredentialsSecret"]["name"])
            passwords[data_value(secret, "username")] = data_value(secret, "password")
        if url.username not in passwords:
            problems.append(f"no RabbitMQ User object has the username {url.username}")
        elif passwords[url.username] != url.password:
            problems.append(f"the password in amqp_url differs from user {url.username}'s Secret")
    return problems


def check_broker_permissions(objects: list[dict]) -> list[str]:
    permissions: dict[str, dict[str, str]] = {}
    for config in find(objects, "ConfigMap"):
        text = data_value(config, "02-definitions.json")
        if text:
            for entry in json.loads(text)["permissions"]:
                permissions[entry["user"]] = {k: entry[k] for k in ("configure", "write", "read")}
    for permission in find(objects, "Permission"):
        permissions[permission["spec"]["user"]] = permission["spec"]["permissions"]
    problems = []
    if permissions.get("meters") != METERS_PERMISSIONS:
        problems.append(f"user meters must have exactly {METERS_PERMISSIONS}, found {permissions.get('meters')}")
    if "dms-worker" not in permissions:
        problems.append("user dms-worker has no permissions")
    return problems


def check_jwt_keys(objects: list[dict]) -> list[str]:
    problems = []
    seed = base64url_decode(secret_value(objects, "dms-jwt", "jwt_signing_key"))
    kid = secret_value(objects, "dms-jwt", "jwt_signing_kid")
    jwks = json.loads(secret_value(objects, "dms-jwt", "jwt_verifying_keys"))
    if len(seed) != 32:
        problems.append(f"jwt_signing_key decodes to {len(seed)} bytes, expected a 32-byte seed")
    keys = jwks.get("keys") or []
    signing = [key for key in keys if key.get("kid") == kid]
    if len(signing) != 1:
        return problems + [f"jwt_verifying_keys has no single key with kid {kid}"]
    key = signing[0]
    expected = {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig"}
    if {k: key.get(k) for k in expected} != expected:
        problems.append(f"JWK fields must be {expected}")
    # Derive the public key from the seed: PKCS#8 DER of an Ed25519 key is a
    # fixed 16-byte prefix followed by the seed.
    der = bytes.fromhex("302e020100300506032b657004220420") + seed
    public = subprocess.run(
        ["openssl", "pkey", "-inform", "DER", "-pubout", "-outform", "DER"],
        input=der, capture_output=True, check=True,
    ).stdout[-32:]
    if base64url_decode(key["x"]) != public:
        problems.append("the JWK's x is not the public key of jwt_signing_key")
    return problems


# ---------------------------------------------------------- capacity checks


def check_max_connections(objects: list[dict]) -> list[str]:
    spin_replicas = find_one(objects, "SpinApp", "dms-app")["spec"]["replicas"]
    worker_replicas = find_one(objects, "HorizontalPodAutoscaler", "dms-worker")["spec"]["maxReplicas"]
    needed = spin_replicas * SPIN_POOL_SIZE + worker_replicas * WORKER_POOL_SIZE + 1
    configured = None
    for cluster in find(objects, "Cluster"):
        configured = int(cluster["spec"]["postgresql"]["parameters"]["max_connections"])
    for statefulset in find(objects, "StatefulSet", "dms-postgres"):
        args = " ".join(container(statefulset, "postgres").get("args") or [])
        match = re.search(r"max_connections=(\d+)", args)
        configured = int(match.group(1)) if match else 100
    if configured is None or configured < needed:
        return [
            f"max_connections is {configured}, below {spin_replicas} Spin pods x {SPIN_POOL_SIZE}"
            f" + {worker_replicas} workers x {WORKER_POOL_SIZE} + 1 = {needed}"
        ]
    return []


# ------------------------------------------------------------- repo checks


def check_secrets_ignored(repo: Path) -> list[str]:
    problems = []
    tracked = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "--", "SpinKube"], capture_output=True, text=True, check=True,
    ).stdout.split()
    committed = [path for path in tracked if "/secrets/" in path]
    if committed:
        problems.append(f"secret files are tracked by git: {', '.join(committed)}")
    for overlay in sorted((repo / "SpinKube" / "overlays").iterdir()):
        probe = f"SpinKube/overlays/{overlay.name}/secrets/database_url"
        ignored = subprocess.run(["git", "-C", str(repo), "check-ignore", "-q", probe])
        if ignored.returncode != 0:
            problems.append(f"git does not ignore {probe}")
    return problems


def check_compose(repo: Path) -> list[str]:
    compose = yaml.safe_load((repo / "compose.yaml").read_text())
    problems = []
    expected = {"postgres": ("postgres:16", {5432}), "rabbitmq": ("rabbitmq:3-management", {5672, 15672})}
    for name, (image, ports) in expected.items():
        service = (compose.get("services") or {}).get(name) or {}
        published = {int(str(p).rsplit(":", 2)[-1]) for p in service.get("ports") or []}
        if service.get("image") != image:
            problems.append(f"service {name} must use image {image}")
        if published != ports:
            problems.append(f"service {name} must publish ports {sorted(ports)}, found {sorted(published)}")
        if "test" not in (service.get("healthcheck") or {}):
            problems.append(f"service {name} has no healthcheck")
    return problems


def check_dockerfile(repo: Path) -> list[str]:
    text = (repo / "Dockerfile").read_text()
    problems = []
    if not re.search(r"^FROM \S*rust\S* AS builder$", text, re.MULTILINE):
        problems.append("no Rust builder stage named builder")
    if "cargo build --release --locked -p dms-worker" not in text:
        problems.append("the builder does not run cargo build --release -p dms-worker")
    users = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append("the runtime stage must switch to a non-root USER")
    if not re.search(r"^EXPOSE 4000$", text, re.MULTILINE):
        problems.append("EXPOSE 4000 is missing")
    return problems


# ---------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, required=True, help="repository root")
    parser.add_argument("--kubernetes-version", required=True, help="schema version, such as 1.30")
    parser.add_argument("rendered", nargs="+", help="NAME=FILE: an overlay's `kubectl kustomize` output")
    args = parser.parse_args()

    results = Results()
    try:
        print(f"INFO: worker env names come from {worker_env_names(args.repo)[1]}")
    except (LookupError, OSError) as error:
        print(f"INFO: worker env names are unknown: {error}")
    results.run("repository/secrets ignored by git", lambda: check_secrets_ignored(args.repo))
    results.run("repository/compose.yaml", lambda: check_compose(args.repo))
    results.run("repository/Dockerfile", lambda: check_dockerfile(args.repo))

    for item in args.rendered:
        overlay, _, path = item.partition("=")
        objects = load_objects(Path(path))
        for obj in objects:
            custom = (obj.get("apiVersion"), obj.get("kind")) in CUSTOM_RESOURCE_CHECKS
            check_kind = "required fields" if custom else "schema"
            name = f"{overlay}/{check_kind} {obj['kind']} {obj['metadata']['name']}"
            results.run(name, lambda obj=obj: validate_object(obj, args.kubernetes_version))
        checks: dict[str, Callable[[], list[str]]] = {
            "SpinApp variables match spin.toml": lambda: check_spinapp_variables(objects, args.repo),
            "worker env matches its options": lambda: check_worker_env(objects, args.repo),
            "key references resolve": lambda: check_references_resolve(objects),
            "worker Deployment": lambda: check_worker_deployment(objects),
            "worker Service, PDB, HPA and migrations Job": lambda: check_worker_companions(objects),
            "Ingresses": lambda: check_ingresses(objects),
            "NetworkPolicies": lambda: check_network_policies(objects),
            "database URL": lambda: check_database_url(objects),
            "broker credentials": lambda: check_broker_credentials(objects),
            "broker permissions": lambda: check_broker_permissions(objects),
            "JWT key pair": lambda: check_jwt_keys(objects),
            "max_connections": lambda: check_max_connections(objects),
        }
        for name, check in checks.items():
            results.run(f"{overlay}/{name}", check)

    print("DONE")
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
