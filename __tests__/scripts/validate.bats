#!/usr/bin/env bats
# scripts/validate.sh --toolchain: a Terraform on PATH with the pinned provider from the registry
# when that works, the source build of what is missing when it does not, and one clear line
# (exit 3) when the toolchain asked for cannot be had. Terraform and the source build are fakes.

load helpers

setup() {
  common_setup
  ln -sf "$BATS_TEST_DIRNAME/fakes/fake-terraform" "$FAKE_BIN/terraform"
  export DAML_TOOLCHAIN_SH="$BATS_TEST_DIRNAME/fakes/fake-toolchain"
  export DAML_TOOLCHAIN_DIR="$BATS_TEST_TMPDIR/toolchain"
  export FAKE_TOOLCHAIN_DIR="$DAML_TOOLCHAIN_DIR"
  unset DAML_TOOLCHAIN DAML_VALIDATE_STRICT_PROVIDER TF_CLI_CONFIG_FILE
  # Synthesized stacks require exactly the provider version the bindings wrap.
  python3 - "$DAML_STACKS_DIR"/*/cdk.tf.json <<'PY'
import json, sys
for path in sys.argv[1:]:
    doc = json.load(open(path))
    doc.setdefault("terraform", {})["required_providers"] = {"aws": {"source": "aws", "version": "6.25.0"}}
    json.dump(doc, open(path, "w"), indent=2)
PY
}

@test "path: terraform on PATH, exactly the pinned provider from the registry, no source build" {
  run bash "$REPO_ROOT/scripts/validate.sh" --toolchain path
  [ "$status" -eq 0 ]
  [[ "$output" == *"toolchain path: terraform 1.11.4 on PATH ($FAKE_BIN/terraform), hashicorp/aws 6.25.0 from the registry"* ]]
  [[ "$output" != *NOTE* ]]
  [[ "$output" == *"validate: all 2 stack(s) valid"* ]]
  [ -z "$(calls '^toolchain.sh')" ]
  # Both stacks validated with the constraint they were synthesized with, through the registry config.
  [ "$(calls '^terraform validate 6.25.0$' | wc -l)" -eq 2 ]
  [ "$(calls "^terraform init 6.25.0 $DAML_TOOLCHAIN_DIR/registry.terraformrc$" | wc -l)" -eq 3 ]
}

@test "auto: the registry reachable means the same as path" {
  run bash "$REPO_ROOT/scripts/validate.sh"
  [ "$status" -eq 0 ]
  [[ "$output" == *"toolchain auto: terraform 1.11.4 on PATH"*"hashicorp/aws 6.25.0 from the registry"* ]]
  [ -z "$(calls '^toolchain.sh')" ]
}

@test "auto: registry unreachable: terraform from PATH, the provider from the source build, and it says why" {
  FAKE_REGISTRY=down run bash "$REPO_ROOT/scripts/validate.sh"
  [ "$status" -eq 0 ]
  [[ "$output" == *"toolchain auto: terraform 1.11.4 on PATH ($FAKE_BIN/terraform); the registry cannot be reached (could not connect to the registry"*"so hashicorp/aws 6.47.1 built from source"* ]]
  [ "$(calls '^toolchain.sh')" = "toolchain.sh --only provider --print-env" ]
  [[ "$output" == *"NOTE: stack requires hashicorp/aws 6.25.0; validated against the local build 6.47.1"* ]]
  [ "$(calls '^terraform validate 6.47.1$' | wc -l)" -eq 2 ]
}

@test "auto: no terraform on PATH builds both from source" {
  PATH="$(path_without terraform)" run bash "$REPO_ROOT/scripts/validate.sh"
  [ "$status" -eq 0 ]
  [[ "$output" == *"toolchain auto: no terraform on PATH, so Terraform 1.11.4 and hashicorp/aws 6.47.1 built from source"* ]]
  [ "$(calls '^toolchain.sh')" = "toolchain.sh --only terraform,provider --print-env" ]
  [ "$(calls '^terraform-built validate' | wc -l)" -eq 2 ]
}

@test "auto: a terraform older than 1.10 on PATH is passed over for the source build" {
  FAKE_TF_VERSION=1.9.8 run bash "$REPO_ROOT/scripts/validate.sh"
  [ "$status" -eq 0 ]
  [[ "$output" == *"is Terraform 1.9.8, older than 1.10.0, so Terraform"*"built from source"* ]]
}

@test "build: the source build even when PATH and the registry would do, with no registry probe" {
  run bash "$REPO_ROOT/scripts/validate.sh" --toolchain build
  [ "$status" -eq 0 ]
  [[ "$output" == *"toolchain build: Terraform 1.11.4 and hashicorp/aws 6.47.1 built from source"* ]]
  [ "$(calls '^toolchain.sh')" = "toolchain.sh --only terraform,provider --print-env" ]
  [ -z "$(calls '^terraform init')" ]
  [ "$(calls '^terraform-built init' | wc -l)" -eq 2 ]
}

@test "path: registry unreachable is one line naming the pinned provider, exit 3, nothing built" {
  FAKE_REGISTRY=down run bash "$REPO_ROOT/scripts/validate.sh" --toolchain path
  [ "$status" -eq 3 ]
  [ "$output" = "validate.sh: --toolchain path: terraform init could not fetch hashicorp/aws 6.25.0: could not connect to the registry: failed to request discovery document: dial tcp: lookup: no such host" ]
  [ -z "$(calls '^toolchain.sh')" ]
}

@test "path: no terraform, or an old one, is one line with what to do, exit 3" {
  PATH="$(path_without terraform)" run bash "$REPO_ROOT/scripts/validate.sh" --toolchain=path
  [ "$status" -eq 3 ]
  [ "$output" = "validate.sh: --toolchain path: no terraform on PATH (install Terraform >= 1.10.0, or use --toolchain build)" ]
  FAKE_TF_VERSION=1.5.7 run bash "$REPO_ROOT/scripts/validate.sh" --toolchain path
  [ "$status" -eq 3 ]
  [[ "$output" == *"is Terraform 1.5.7, older than 1.10.0 (install Terraform >= 1.10.0, or use --toolchain build)" ]]
}

@test "a toolchain that is not auto, path or build is a usage error naming the value, exit 2" {
  run bash "$REPO_ROOT/scripts/validate.sh" --toolchain registry
  [ "$status" -eq 2 ]
  [ "$output" = "validate.sh: --toolchain must be auto, path or build, got 'registry'" ]
  DAML_TOOLCHAIN=source run bash "$REPO_ROOT/scripts/validate.sh"
  [ "$status" -eq 2 ]
  [[ "$output" == *"got 'source'" ]]
}
