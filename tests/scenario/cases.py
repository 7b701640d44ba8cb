"""Scenario texts shared by tests/scenario and tests/cli: a minimal valid scenario and the malformed
scenarios, each as (id, files, file to load, pieces the error message must contain)."""

from __future__ import annotations

BASE = """\
name: t
demand:
  served:
    - {region: us-east, model: llama-3.1-70b, tokens_per_s: 1.0e6}
"""
"""A minimal valid scenario; its stream is on line 4."""

STREAM2 = "    - {region: us-east, model: llama-3.1-70b, tokens_per_s: 2.0e6}\n"
BAD: list[tuple[str, dict[str, str | bytes], str, list[str]]] = [
    (
        "yaml_syntax",
        {"bad.yaml": "name: t\ndemand:\n  served: [\n  - a: b\n"},
        "bad.yaml",
        ["bad.yaml:4:", "YAML syntax error", "line 4, column 3"],
    ),
    (
        "tab_indent",
        {"bad.yaml": "name: t\n\tdemand: 1\n"},
        "bad.yaml",
        ["bad.yaml:2:", "YAML syntax error", "tabs"],
    ),
    (
        "not_a_mapping",
        {"bad.yaml": "- name: t\n- demand: 1\n"},
        "bad.yaml",
        ["bad.yaml:1:", "top level must be a mapping", "found a list"],
    ),
    ("empty_file", {"bad.yaml": ""}, "bad.yaml", ["bad.yaml:", "empty", "name:", "demand:"]),
    ("comments_only", {"bad.yaml": "# nothing here\n"}, "bad.yaml", ["bad.yaml:", "empty"]),
    (
        "python_tag",
        {"bad.yaml": "name: t\ndemand: !!python/object/apply:os.system ['echo hi']\n"},
        "bad.yaml",
        ["bad.yaml:2:", "'!!python/object/apply' is not allowed", "plain data", "safe loading"],
    ),
    (
        "wrong_type",
        {"bad.yaml": BASE + "policy:\n  min_sites: many\n"},
        "bad.yaml",
        ["bad.yaml:6: policy.min_sites: 'many' is not allowed: must be a whole number"],
    ),
    (
        "negative_tokens",
        {"bad.yaml": BASE.replace("1.0e6", "-5")},
        "bad.yaml",
        ["bad.yaml:4: demand.served[0].tokens_per_s: -5 is not allowed: must be > 0"],
    ),
    (
        "absurd_latency",
        {"bad.yaml": BASE + "  latency_ms:\n    llama-3.1-70b: 50000\n"},
        "bad.yaml",
        ["bad.yaml:6: demand.latency_ms.llama-3.1-70b: 50000 is not allowed: must be <= 10000 [ms]"],
    ),
    (
        "unknown_top_key",
        {"bad.yaml": BASE.replace("demand:", "demnad:")},
        "bad.yaml",
        [
            "bad.yaml:2: unknown key 'demnad'; did you mean 'demand'? "
            "Allowed keys here: carbon_price_usd_per_t, demand,"
        ],
    ),
    (
        "misspelt_nested_key",
        {"bad.yaml": BASE + "  peak_to_avg: 1.3\n"},
        "bad.yaml",
        [
            "bad.yaml:5: demand: unknown key 'peak_to_avg'; did you mean 'peak_to_average'?",
            "Allowed keys here:",
        ],
    ),
    (
        "key_at_wrong_level",
        {"bad.yaml": BASE + "time_limit_s: 30\n"},
        "bad.yaml",
        ["bad.yaml:5: unknown key 'time_limit_s'", "belongs under 'solver'"],
    ),
    (
        "unknown_gpu",
        {"bad.yaml": BASE + "technologies:\n  gpus:\n    - H100\n    - H1000\n"},
        "bad.yaml",
        [
            "bad.yaml:8: technologies.gpus[1]: unknown GPU 'H1000'; did you mean 'H100'? "
            "Allowed: B200, B300, GB200"
        ],
    ),
    (
        "unknown_region",
        {"bad.yaml": BASE.replace("us-east", "us-eats")},
        "bad.yaml",
        [
            "bad.yaml:4: demand.served[0].region: unknown region 'us-eats'; did you mean 'us-east'?",
            "Allowed:",
        ],
    ),
    (
        "unknown_model",
        {"bad.yaml": BASE.replace("llama-3.1-70b", "lama-3.1-70b")},
        "bad.yaml",
        ["bad.yaml:4: demand.served[0].model: unknown model 'lama-3.1-70b'; did you mean 'llama-3.1-70b'?"],
    ),
    (
        "latency_key_not_a_model",
        {"bad.yaml": BASE + "  latency_ms: {llama-3.1-70: 40}\n"},
        "bad.yaml",
        ["bad.yaml:5: demand.latency_ms.llama-3.1-70", "not a known model", "did you mean 'llama-3.1-70b'?"],
    ),
    (
        "unknown_cooling_and_energy",
        {"bad.yaml": BASE + "technologies:\n  cooling: [air, dcl]\n  energy: [grid, solar]\n"},
        "bad.yaml",
        [
            "bad.yaml:6: technologies.cooling[1]: unknown cooling option 'dcl'; did you mean 'dlc'?",
            "bad.yaml:7: technologies.energy[1]: unknown energy technology 'solar'",
        ],
    ),
    (
        "unknown_site",
        {"bad.yaml": BASE + "sites:\n  include: [abilene, dfw_tx]\n"},
        "bad.yaml",
        ["bad.yaml:6: sites.include[0]: unknown site 'abilene'; did you mean 'abilene_tx'?"],
    ),
    ("missing_file", {}, "nope.yaml", ["nope.yaml: no such file"]),
    ("directory", {"dir.yaml/x.txt": "x"}, "dir.yaml", ["dir.yaml: is a directory"]),
    (
        "circular_extends",
        {"a.yaml": "extends: b.yaml\nname: a\n", "b.yaml": "name: b\nextends: a.yaml\n"},
        "a.yaml",
        ["b.yaml:2: extends: circular extends:", "a.yaml -> ", "b.yaml -> ", "a.yaml"],
    ),
    (
        "self_extends",
        {"bad.yaml": "extends: bad.yaml\n" + BASE},
        "bad.yaml",
        ["bad.yaml:1: extends: circular extends:", "bad.yaml -> ", "bad.yaml"],
    ),
    (
        "extends_missing_file",
        {"bad.yaml": "name: t\nextends: base.yaml\n"},
        "bad.yaml",
        ["bad.yaml:2: extends: 'base.yaml' not found"],
    ),
    (
        "non_utf8",
        {"bad.yaml": b"name: t\ndescription: caf\xe9\n"},
        "bad.yaml",
        ["bad.yaml:2: not UTF-8 text: byte 0xe9 at line 2, column 17"],
    ),
    (
        "liquid_gpus_air_cooling",
        {"bad.yaml": BASE + "technologies:\n  gpus: [GB200, GB300]\n  cooling: [air, rdhx]\n"},
        "bad.yaml",
        [
            "bad.yaml:7: technologies.cooling: [air, rdhx] has no liquid option",
            "requires liquid cooling",
            "dlc",
        ],
    ),
    (
        "nvl72_under_immersion",
        {"bad.yaml": BASE + "technologies:\n  gpus: [GB200, GB300]\n  cooling: [air, immersion_1ph]\n"},
        "bad.yaml",
        [
            "bad.yaml:7: technologies.cooling: [air, immersion_1ph] can host none of the GPUs",
            "GB200: dlc; GB300: dlc",
        ],
    ),
    (
        "duplicate_stream",
        {"bad.yaml": BASE + STREAM2},
        "bad.yaml",
        [
            "bad.yaml:5: demand.served[1]: duplicate stream: region 'us-east', model 'llama-3.1-70b'",
            "demand.served[0] (line 4)",
        ],
    ),
    (
        "bad_override_column",
        {"bad.yaml": BASE + "sites:\n  overrides:\n    abilene_tx: {campus_mw: 300}\n"},
        "bad.yaml",
        [
            "bad.yaml:7: sites.overrides.abilene_tx.campus_mw:",
            "not a known numeric site column",
            "did you mean 'campus_mw_max'?",
            "Allowed: ",
        ],
    ),
    (
        "text_override_column",
        {"bad.yaml": BASE + "sites:\n  overrides:\n    abilene_tx: {country: 1}\n"},
        "bad.yaml",
        ["bad.yaml:7: sites.overrides.abilene_tx.country:", "not a known numeric site column"],
    ),
    (
        "min_sites_too_many",
        {"bad.yaml": BASE + "sites:\n  include: [abilene_tx, dfw_tx]\npolicy:\n  min_sites: 3\n"},
        "bad.yaml",
        ["bad.yaml:8: policy.min_sites: 3 is not allowed: only 2 site(s) are selected"],
    ),
    (
        "filter_empties_sites",
        {"bad.yaml": BASE + "sites:\n  countries: [US]\n  min_campus_mw: 5000\n"},
        "bad.yaml",
        ["bad.yaml:7: sites.min_campus_mw: 5000 leaves no candidate site"],
    ),
    (
        "unreachable_stream",
        {"bad.yaml": BASE.replace("us-east", "eu-west") + "sites:\n  countries: [US]\n"},
        "bad.yaml",
        ["bad.yaml:4: demand.served[0]: no selected site is within the 50 ms round-trip budget"],
    ),
    (
        "duplicate_key",
        {"bad.yaml": BASE + "name: u\n"},
        "bad.yaml",
        ["bad.yaml:5: name: key 'name' is written twice (first at line 1)"],
    ),
    (
        "objective_literal",
        {"bad.yaml": BASE + "objective: money\n"},
        "bad.yaml",
        ["bad.yaml:5: objective: 'money' is not allowed: must be 'cost' or 'carbon'"],
    ),
    (
        "missing_required",
        {"bad.yaml": "name: t\ndemand:\n  served:\n    - {region: us-east, tokens_per_s: 5}\n"},
        "bad.yaml",
        ["bad.yaml:4: demand.served[0]: required key 'model' is missing"],
    ),
    (
        "several_errors",
        {"bad.yaml": BASE.replace("1.0e6", "-1") + "objective: money\n"},
        "bad.yaml",
        ["bad.yaml:4: demand.served[0].tokens_per_s: -1", "\n", "bad.yaml:5: objective: 'money'"],
    ),
    (
        "control_character",
        {"bad.yaml": "name: t\x07\n"},
        "bad.yaml",
        ["bad.yaml:1: character #x0007 is not allowed"],
    ),
    ("recursive_alias", {"bad.yaml": "name: &a [*a]\n"}, "bad.yaml", ["bad.yaml:1:", "refers to itself"]),
    (
        "alias_bomb",
        {
            "bad.yaml": "a: &a [x,x,x,x,x,x,x,x,x]\n"
            + "".join(f"{k}: &{k} [{', '.join(['*' + p] * 9)}]\n" for p, k in zip("abcdef", "bcdefg"))
        },
        "bad.yaml",
        ["bad.yaml:", "expands to more than"],
    ),
]
