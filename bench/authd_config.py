#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The benchmarks' authd config: config/authd.dev.yaml with this run's port, paths and Argon2id
cost, and only the password authenticator (with one sign-in method the login page is its form).

    bench/authd_config.py [--keep-authenticators] SRC DST PORT PLUGIN_DIR WORK_DIR T_COST M_COST_KIB [THREADS] [ID_TOKEN_ALG]

Used by bench/run.sh and bench/footprint.sh, so that both measure the same configuration.
T_COST or M_COST_KIB "-" keeps SRC's value; --keep-authenticators keeps all of SRC's
authenticators (tools/update-startup-order.sh measures a start with all of them).
"""
import sys

import yaml


def main():
    args = sys.argv[1:]
    keep_authenticators = "--keep-authenticators" in args
    args = [a for a in args if a != "--keep-authenticators"]
    if len(args) < 7:
        sys.exit(__doc__)
    src, dst, port, plugins, work, t, m = args[:7]
    threads = args[7] if len(args) > 7 else ""
    alg = args[8] if len(args) > 8 else ""
    c = yaml.safe_load(open(src))
    c["server"]["listen"] = f"127.0.0.1:{port}"
    c["server"]["issuer"] = f"http://127.0.0.1:{port}"
    if threads:
        c["server"]["threads"] = int(threads)
    c["plugins"]["paths"] = [plugins]
    c["data_dir"] = f"{work}/var"
    c["storage"]["config"]["path"] = f"{work}/var/authd.db"
    c["mail"]["config"]["dir"] = f"{work}/var/outbox"
    c["secrets"]["master_key_file"] = f"{work}/var/master.key"
    c["secrets"]["dev_master_key"] = False
    if not keep_authenticators:
        c["authenticators"] = [a for a in c.get("authenticators") or [] if a.get("plugin") == "password"] or \
            [{"id": "password", "plugin": "password", "config": {"min_length": 10}}]
    if t != "-":
        c["password_hashing"]["t_cost"] = int(t)
    if m != "-":
        c["password_hashing"]["m_cost_kib"] = int(m)
    if alg:
        c["tokens"]["default_id_token_alg"] = alg
    yaml.safe_dump(c, open(dst, "w"), sort_keys=False)


if __name__ == "__main__":
    main()
