#!/usr/bin/env bash
# Render every Kubernetes overlay under SpinKube/overlays with throwaway
# secrets and check the result: Kubernetes schemas, the Spin variables
# against spin.toml, the worker's env against its options, references,
# probes, Ingresses, NetworkPolicies and the generated credentials.
#
#   tests/k8s/check.sh
#
# Needs kubectl (with Kustomize 5), python3 >= 3.11 and openssl. Installs
# kubernetes-validate with pip when it is missing; that is the only step that
# uses the network. Nothing is written to the repository: the secrets go to
# a temporary copy of SpinKube/.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
# kubernetes-validate ships the JSON schemas of Kubernetes 1.28 to 1.33.
kubernetes_validate_version=1.33.1
kubernetes_version=1.30

passed=0
failed=0
pass() {
    echo "PASS: $1"
    passed=$((passed + 1))
}
fail() {
    echo "FAIL: $1"
    failed=$((failed + 1))
}
finish() {
    echo "$passed passed, $failed failed"
    if [ "$failed" -eq 0 ]; then exit 0; else exit 1; fi
}

# ---------------------------------------------------------------- tools

missing_tool=false
for tool in kubectl python3 openssl git; do
    if ! command -v "$tool" >/dev/null; then
        fail "tool $tool: not found on PATH; install it and run again"
        missing_tool=true
    fi
done
if [ "$missing_tool" = true ]; then finish; fi

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    fail "tool python3: version 3.11 or later is required (for tomllib)"
    finish
fi

installed_version() {
    python3 -c 'import kubernetes_validate.version as v; print(v.__version__)' 2>/dev/null || true
}
if [ "$(installed_version)" != "$kubernetes_validate_version" ]; then
    echo "Installing kubernetes-validate $kubernetes_validate_version"
    python3 -m pip install --quiet --disable-pip-version-check \
        "kubernetes-validate==$kubernetes_validate_version" \
        || fail "tool kubernetes-validate: pip install kubernetes-validate==$kubernetes_validate_version failed"
fi
if [ "$(installed_version)" = "$kubernetes_validate_version" ]; then
    pass "tool kubernetes-validate $kubernetes_validate_version"
else
    fail "tool kubernetes-validate: version $kubernetes_validate_version is not importable"
    finish
fi

# ------------------------------------------------------------- rendering

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -R "$repo/SpinKube" "$work/SpinKube"
# Never render real secrets that happen to exist in the working tree.
rm -rf "$work"/SpinKube/overlays/*/secrets

render() {
    local name="$1" dir="$2"
    if kubectl kustomize "$dir" >"$work/$name.yaml" 2>"$work/$name.err"; then
        pass "$name/kubectl kustomize"
        rendered+=("$name=$work/$name.yaml")
    else
        fail "$name/kubectl kustomize: $(tr '\n' ' ' <"$work/$name.err")"
    fi
}

rendered=()
for overlay_dir in "$work"/SpinKube/overlays/*/; do
    overlay="$(basename "$overlay_dir")"
    if "$repo/scripts/gen-secrets.sh" --spinkube-dir "$work/SpinKube" "$overlay" >"$work/$overlay.gen.log" 2>&1; then
        pass "$overlay/gen-secrets.sh"
        render "$overlay" "$overlay_dir"
    else
        fail "$overlay/gen-secrets.sh: $(tr '\n' ' ' <"$work/$overlay.gen.log")"
    fi
done

# The production overlay with the optional ingress-auth component enabled,
# as the comment in its kustomization.yaml describes.
variant="$work/SpinKube/checks/production-ingress-auth"
mkdir -p "$(dirname "$variant")"
cp -R "$work/SpinKube/overlays/production" "$variant"
sed -i.orig -e 's|^# components:$|components:|' \
    -e 's|^#   - \.\./\.\./components/ingress-auth$|  - ../../components/ingress-auth|' \
    "$variant/kustomization.yaml"
if grep -q '^  - ../../components/ingress-auth$' "$variant/kustomization.yaml"; then
    render production-ingress-auth "$variant"
else
    fail "production-ingress-auth: the commented components block in overlays/production/kustomization.yaml is missing"
fi
if [ "${#rendered[@]}" -eq 0 ]; then finish; fi

# ---------------------------------------------------------------- checks

python3 "$repo/tests/k8s/check_manifests.py" --repo "$repo" \
    --kubernetes-version "$kubernetes_version" "${rendered[@]}" >"$work/results" 2>&1 || true
cat "$work/results"
passed=$((passed + $(grep -c '^PASS: ' "$work/results" || true)))
failed=$((failed + $(grep -c '^FAIL: ' "$work/results" || true)))
if [ "$(tail -n 1 "$work/results")" != DONE ]; then
    fail "check_manifests.py stopped before finishing (see its output above)"
fi
finish
