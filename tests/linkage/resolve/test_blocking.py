"""The pair budget: a blocking rule that would add too many candidate pairs stops the run, naming the rule."""

from __future__ import annotations

import re
import shutil

import pytest

from linkage.batch import run_all
from linkage.errors import MashError
from linkage.resolve.blocking import check_pair_budget, count_rules
from linkage.store import open_results


def test_the_shipped_rules_keep_well_within_the_default_budget(generated_input):
    records, config = generated_input
    # A budget just under all possible pairs, so the rules are counted (at the default, this input's
    # possible pairs fit and nothing needs counting).
    counts = check_pair_budget(records, config, records.num_rows * (records.num_rows - 1) // 2 - 1)
    assert len(counts) == len(config.blocking_rules) + 2, "every rule counted, the two name-swap rules too"
    assert max(c.marginal for c in counts) < 20_000_000 / 100


def test_a_rule_over_the_budget_names_itself_and_its_largest_block(generated_input):
    records, config = generated_input
    loose = config.model_copy(update={"blocking_rules": (*config.blocking_rules, ("sex",))})
    with pytest.raises(MashError) as caught:
        check_pair_budget(records, loose, 1_000_000)
    message = str(caught.value)
    block = max(records["sex"].value_counts().to_pylist(), key=lambda v: v["counts"])
    assert 'blocking rule l."sex" = r."sex"' in message
    assert f"largest block holds {block['counts']:,} records" in message
    assert "resources.pair_budget" in message and "Add a blocking rule" in message
    assert not re.search(rf"\b{block['values']}\b", message, re.IGNORECASE), "the block is given by its size, never its values"


def test_a_budget_all_possible_pairs_fit_in_counts_nothing_and_refuses_nothing(generated_input):
    records, config = generated_input
    loose = config.model_copy(update={"blocking_rules": (*config.blocking_rules, ("sex",))})
    possible = records.num_rows * (records.num_rows - 1) // 2
    assert check_pair_budget(records, loose, possible) == [], "no rule can add more pairs than there are"
    with pytest.raises(MashError, match=r'blocking rule l."sex" = r."sex"'):
        check_pair_budget(records, loose, possible // 4)


def test_the_sampled_count_is_close_to_the_exact_one(generated_input):
    records, config = generated_input
    loose = config.model_copy(update={"blocking_rules": (("sex",),)})
    exact, sampled = count_rules(records, loose, 1.0)[0].marginal, count_rules(records, loose, 0.05)[0].marginal
    assert abs(sampled - exact) < 0.2 * exact


def test_a_run_over_budget_stops_and_keeps_the_previous_results(linked, tmp_path):
    run, _ = linked
    shutil.copytree(run.store.parent, tmp_path / "store")
    tight = run.model_copy(update={
        "store": tmp_path / "store" / "mash.duckdb",
        "resources": run.resources.model_copy(update={"pair_budget": 100}),
    })
    with open_results(tight.store) as con:
        before = con.sql("SELECT unique_id, person_id FROM clusters ORDER BY unique_id").fetchall()
    with pytest.raises(MashError, match=r"blocking rule .* over the budget of 100 \(resources.pair_budget"):
        run_all(tight)
    with open_results(tight.store) as con:
        assert con.sql("SELECT unique_id, person_id FROM clusters ORDER BY unique_id").fetchall() == before


ADDED_CASES = [
    # (description, existing records' sex, new records' sex, budget, over budget?)
    ("10 new of one sex against 100: 1,000 + 45 pairs, over 1,000", ["female"] * 100, ["female"] * 10, 1_000, True),
    ("the same within a budget of 2,000", ["female"] * 100, ["female"] * 10, 2_000, False),
    ("new records of the other sex pair only among themselves: 45", ["female"] * 100, ["male"] * 10, 100, False),
]


@pytest.mark.parametrize(("description", "existing", "new", "budget", "over"), ADDED_CASES, ids=[c[0] for c in ADDED_CASES])
def test_an_incremental_rule_over_the_budget_names_itself(description, existing, new, budget, over):
    import pyarrow as pa

    from linkage.config import ModelConfig
    from linkage.resolve.blocking import check_added_pair_budget
    from tests.linkage.resolve.conftest import MODEL_INPUT_SCHEMA, model_record

    rows = [model_record(f"e{i}", "ANN", "LEE", sex=sex) for i, sex in enumerate(existing)]
    rows += [model_record(f"n{i}", "ANN", "LEE", sex=sex) for i, sex in enumerate(new)]
    records = pa.Table.from_pylist(rows, schema=MODEL_INPUT_SCHEMA)
    model = ModelConfig(blocking_rules=(("sex",),))
    added = {f"n{i}" for i in range(len(new))}
    if over:
        with pytest.raises(MashError, match=r'blocking rule l."sex" = r."sex" would pair the new records with about 1,045 others.*110 records') as caught:
            check_added_pair_budget(records, added, model, budget)
        assert "female" not in str(caught.value).lower(), "the block is given by its size, never its value"
    else:
        check_added_pair_budget(records, added, model, budget)
