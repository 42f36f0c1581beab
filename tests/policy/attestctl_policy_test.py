#!/usr/bin/env python3
"""attestctl policy check|eval as a black box: every conformance case that fits the CLI's
claims format (issuer AttestationService), plus usage errors.

usage: attestctl_policy_test.py ATTESTCTL CASES_DIR
Exit codes asserted: check 0 valid / 2 policy error; eval 0 permitted / 1 denied / 2 policy
error, unreadable file or usage error."""
import json
import os
import subprocess
import sys
import tempfile

attestctl, cases_dir = sys.argv[1], sys.argv[2]
failures = []
passed = 0


def run(*args):
    p = subprocess.run([attestctl, *args], capture_output=True)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def check(cond, what):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(what)


def policy_bytes(case):
    if "policy_file" in case:
        with open(os.path.join(cases_dir, case["policy_file"]), "rb") as f:
            return f.read()
    p = case["policy"]
    return (p if isinstance(p, str) else "\n".join(p)).encode("utf-8")


with tempfile.TemporaryDirectory() as tmp:
    policy_path = os.path.join(tmp, "policy.txt")
    claims_path = os.path.join(tmp, "claims.json")
    for name in sorted(os.listdir(cases_dir)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(cases_dir, name), encoding="utf-8") as f:
            cases = json.load(f)
        for case in cases:
            if "claims_list" in case or "default_policy" in case:
                continue  # custom issuers / built-in texts are not expressible via files
            label = f"{name}:{case['name']}"
            with open(policy_path, "wb") as f:
                f.write(policy_bytes(case))
            with open(claims_path, "w", encoding="utf-8") as f:
                json.dump(case.get("claims", {}), f)
            expect = case["expect"]
            rc, out, err = run("policy", "check", policy_path)
            if "error" in expect:
                line, col = (int(x) for x in expect["error"]["position"].split(":"))
                doc = json.loads(out) if out.strip() else {}
                check(rc == 2, f"{label}: check exit {rc}, want 2")
                check(doc.get("valid") is False and doc["error"]["reason"] == expect["error"]["reason"]
                      and doc["error"].get("line") == line and doc["error"].get("column") == col,
                      f"{label}: check output {out!r}")
                check(f":{line}:{col}: " in err, f"{label}: stderr lacks FILE:line:col: {err!r}")
                rc, out, err = run("policy", "eval", "--policy", policy_path, "--claims", claims_path)
                check(rc == 2, f"{label}: eval of a bad policy exit {rc}, want 2")
                continue
            check(rc == 0 and json.loads(out) == {"valid": True}, f"{label}: check {rc} {out!r}")
            rc, out, err = run("policy", "eval", "--policy", policy_path, "--claims", claims_path)
            if "eval_error" in expect:
                check(rc == 2, f"{label}: eval exit {rc}, want 2 ({out!r})")
                continue
            want_rc = 0 if expect["permitted"] else 1
            check(rc == want_rc, f"{label}: eval exit {rc}, want {want_rc} ({err!r})")
            try:
                doc = json.loads(out)
            except ValueError:
                doc = None
            check(doc == {"permitted": expect["permitted"], "claims": expect["issued"]},
                  f"{label}: eval output {out!r}")
            check(out.startswith('{"permitted":'), f"{label}: 'permitted' is not first: {out!r}")

    # Usage and file errors all exit 2.
    with open(policy_path, "w") as f:
        f.write("version=1.0; authorizationrules{=> permit();};")
    with open(claims_path, "w") as f:
        f.write("[1,2]")
    for args, what in [
        (("policy",), "no policy subcommand"),
        (("policy", "check"), "check without a file"),
        (("policy", "check", os.path.join(tmp, "missing.txt")), "check of a missing file"),
        (("policy", "eval", "--policy", policy_path), "eval without --claims"),
        (("policy", "eval", "--policy", policy_path, "--claims", claims_path), "claims not an object"),
        (("policy", "eval", "--policy", os.path.join(tmp, "missing.txt"), "--claims", claims_path),
         "eval of a missing policy"),
    ]:
        rc, out, err = run(*args)
        check(rc == 2, f"{what}: exit {rc}, want 2")
    # An array value is several claims of that type.
    with open(policy_path, "w") as f:
        f.write('version=1.0; authorizationrules{=> permit();}; '
                'issuancerules{c:[type=="a", issuer=="AttestationService"] => issue(type="b", value=c.value);};')
    with open(claims_path, "w") as f:
        f.write('{"a": [1, "two", true]}')
    rc, out, err = run("policy", "eval", "--policy", policy_path, "--claims", claims_path)
    check(rc == 0 and json.loads(out) == {"permitted": True, "claims": {"b": [1, "two", True]}},
          f"array claims: {rc} {out!r}")

for f in failures:
    print("FAIL:", f)
print(f"{passed} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
