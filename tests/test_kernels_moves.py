"""The kernels of the moves and the destination choice (sim/processes/choice_kernels.py,
move_kernels.py) give exactly what the NumPy expressions they replace give, to the last bit,
with one thread and with two."""

import numpy as np
import pytest
from test_kernels import same, twins

from sim.processes import choice_kernels, job_kernels, move_kernels

N_TYPES, K = 8, 30


@pytest.fixture(params=[7, 20_000, 90_000], ids=["few", "some", "many"])
def movers(request):
    n = request.param
    rng = np.random.default_rng(n)
    tie_kommune = np.sort(rng.integers(-1, K, (n, 6)), axis=1)
    tie_kommune[:, 1:][tie_kommune[:, 1:] == tie_kommune[:, :-1]] = -1   # one slot each
    counts = np.where(tie_kommune >= 0, rng.integers(1, 4, (n, 6)), 0).astype(np.int64)
    home = np.where(rng.random(n) < 0.3, -1, rng.integers(0, K, n)).astype(np.int64)
    return rng, tie_kommune.astype(np.int64), counts, home


def _sparse_numpy(tie_kommune, counts, home, beta_t, beta_h):
    """sim.processes.choice.sparse_pulls as it was in NumPy."""
    n = len(home)
    has_home = home >= 0
    home_slot = (tie_kommune == home[:, None]) & has_home[:, None]
    home_apart = has_home & ~home_slot.any(axis=1)
    kommune = np.concatenate([tie_kommune, np.where(home_apart, home, -1)[:, None]], axis=1)
    counts = np.concatenate([counts, np.zeros((n, 1), dtype=counts.dtype)], axis=1)
    at_home = np.concatenate([home_slot, home_apart[:, None]], axis=1)
    delta = beta_t * np.log1p(counts) + beta_h * at_home
    return kommune, np.where(kommune >= 0, delta, 0.0), counts


def test_sparse_slots(movers):
    _, tie_kommune, counts, home = movers
    log1p = np.log1p(np.arange(20))
    want = _sparse_numpy(tie_kommune, counts, home, 0.37, 1.9)
    assert same(want, *twins(choice_kernels.sparse_slots, tie_kommune, counts, home, log1p,
                             0.37, 1.9))


def test_slot_extras_and_base_destination(movers):
    rng, tie_kommune, _, _ = movers
    n = len(tie_kommune)
    p = rng.random((N_TYPES * K, K)) ** 3
    p[:, 3] = 0.0                                   # a kommune nobody can choose
    flat = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    flat[:, -1] = 1.0
    rows = rng.integers(0, N_TYPES * K, n)
    diff = np.diff(flat, axis=1, prepend=0.0)
    delta = np.where(tie_kommune >= 0, rng.normal(0, 2, tie_kommune.shape), 0.0)
    want = np.where(tie_kommune >= 0, diff[rows[:, None], np.maximum(tie_kommune, 0)], 0.0)
    want = want * np.expm1(delta)
    assert same(want, *twins(choice_kernels.slot_extras, flat, rows, tie_kommune, delta))
    u = rng.random(n)
    u[:3] = [0.0, np.nextafter(1.0, 0.0), flat[rows[2], 5]]      # the edges
    offset = (flat + np.arange(len(flat))[:, None]).ravel()
    want = np.minimum(np.searchsorted(offset, rows + u, side="right") - rows * K, K - 1)
    assert same(want, *twins(choice_kernels.base_destination, flat, rows, u))


def _reasons_numpy(terms, community, types, origins, dest, kommune, ties, home, beta_t,
                   beta_h):
    """sim.processes.choice.reasons as it was in NumPy (REASONS: job, housing, ties, place,
    home, policy, study, other; ``terms`` those of job, housing, place, policy and study)."""
    gains = np.zeros((len(dest), 8))
    for i, term in zip((0, 1, 3, 5, 6), terms, strict=True):
        gains[:, i] = term[types, dest] - term[types, origins]

    def ties_in(k):
        return (ties * (kommune == k[:, None])).sum(axis=1)

    gains[:, 2] = beta_t * (np.log1p(ties_in(dest)) - np.log1p(ties_in(origins)))
    gains[:, 2] += community[types, dest] - community[types, origins]
    gains[:, 4] = beta_h * ((dest == home).astype(float) - (origins == home).astype(float))
    best = gains.argmax(axis=1)
    return np.where(gains.max(axis=1) > 0, best, 7)


def test_reason_gains(movers):
    rng, tie_kommune, counts, home = movers
    n = len(home)
    kommune, _, ties = _sparse_numpy(tie_kommune, counts, home, 0.37, 1.9)
    terms = rng.normal(0, 1, (8, N_TYPES, K))
    terms[[2, 4]] = 0.0                        # ties and home: computed by the kernel
    terms[6] = np.round(terms[6])              # ties among the gains
    terms[7] = rng.normal(0, 1, (N_TYPES, K))  # stands for the community term here
    types = rng.integers(0, N_TYPES, n)
    origins, dest = rng.integers(0, K, n), rng.integers(0, K, n)
    dest[: n // 4] = origins[: n // 4]         # stayers: nothing gains
    want = _reasons_numpy(terms[[0, 1, 3, 5, 6]], terms[7], types, origins, dest, kommune,
                          ties, home, 0.37, 1.9)
    stacked = terms.copy()
    stacked[7] = 0.0                           # "other" has no term
    log1p = np.log1p(np.arange(int(ties.sum(axis=1).max()) + 1))
    assert same(want, *twins(choice_kernels.reason_gains, stacked, types, origins, dest,
                             kommune, ties, home, log1p, 0.37, 1.9, terms[7], 2, 4, 7))


@pytest.fixture(params=[5, 100_000], ids=["few", "many"])
def people(request):
    n = request.param
    rng = np.random.default_rng(n + 1)
    cols = {"owner": (rng.random(n) < 0.6).astype(np.int8),
            "ties": rng.integers(-1, n, (n, 6)).astype(np.int32),
            "kommune": rng.integers(0, K, n).astype(np.intp),
            "age": rng.integers(0, 105, n).astype(np.int16),
            "employed": (rng.random(n) < 0.5).astype(np.int8),
            "household": rng.integers(0, n // 2 + 1, n).astype(np.int64),
            "kind": rng.integers(0, 3, n).astype(np.int8),
            "subtype": rng.integers(0, 4, n).astype(np.int8),
            "arrival": rng.integers(1990, 2030, n).astype(np.int16)}
    cols["kommune_of_pid"] = np.append(rng.integers(-1, K, n), -1).astype(np.int16)
    heads = np.sort(rng.choice(n, n // 2 + 1, replace=False))
    return rng, cols, heads


def test_stay_parts_and_exponent(people):
    rng, c, heads = people
    income = rng.random(len(c["age"])) * 9e5
    income[:3] = 0.0
    rent = rng.random(K) * 2e5
    owner = c["owner"][heads].astype(float)
    ties = (c["kommune_of_pid"][c["ties"][heads]]
            == c["kommune"][heads][:, None]).sum(axis=1).astype(np.int8) / 6
    age = c["age"][heads]
    jobless = ((age >= 20) & (age <= 66) & (c["employed"][heads] == 0)).astype(float)
    burden = np.where(owner == 0, rent[c["kommune"][heads]]
                      / np.maximum(income[c["household"][heads]], 1e5), 0.0)
    args = (heads, c["owner"], c["ties"], c["kommune_of_pid"], c["kommune"], c["age"],
            c["employed"], c["household"], income, rent, 1e5, 20, 66)
    assert same(np.array([owner, ties, jobless, burden]), *twins(move_kernels.stay_parts, *args))
    coef = np.array([0.3, -1.2, 0.8, 2.5])
    means = np.array([v.mean() for v in (owner, ties, jobless, burden)])
    extra = rng.normal(0, 3, len(heads))
    x = (coef[0] * (owner - means[0]) + coef[1] * (ties - means[1])
         + coef[2] * (jobless - means[2]) + coef[3] * (burden - means[3]))
    want = np.minimum(x + extra, 2.0)
    parts = np.array([owner, ties, jobless, burden])
    assert same(want, *twins(move_kernels.stay_exponent, parts, means, coef, extra, 2.0))
    want = sum(float(cf) * (v - m) for cf, v, m in zip(coef, parts, means, strict=True))
    assert same(want, *twins(move_kernels.centred_sum, parts, means, coef))


def test_immigrant_parts(people):
    rng, c, heads = people
    with_pupils = rng.random(len(c["age"])) < 0.3
    service, attitude = rng.random(K), rng.normal(0, 1, K)
    k = c["kommune"][heads]
    want = np.array([c["employed"][heads].astype(float), c["owner"][heads].astype(float),
                     with_pupils[c["household"][heads]].astype(float), service[k], attitude[k]])
    assert same(want, *twins(move_kernels.immigrant_parts, heads, c["employed"], c["owner"],
                             c["household"], with_pupils, c["kommune"], service, attitude))


def test_newcomer_factor(people):
    rng, c, heads = people
    onward = rng.random(K) + 0.5
    programme = np.array([2.0, 2.0, 1.0, 1.0])            # arrivals 2026..2029
    year, first = 2029, 2026
    factor = np.ones(len(heads))                          # newcomers.move_factor in NumPy
    imm = c["kind"][heads] == 1
    factor[imm] = 1.7
    years_here = year - c["arrival"][heads]
    refugee = imm & (c["subtype"][heads] == 2)
    arrival = c["arrival"][heads].astype(np.int64)
    length = np.where(arrival >= first, programme[np.clip(arrival - first, 0, 3)], -np.inf)
    in_programme = refugee & (years_here < length)
    factor[in_programme] *= 0.3
    after = refugee & ~in_programme
    factor[after] *= onward[c["kommune"][heads[after]]]
    assert same(factor, *twins(move_kernels.newcomer_factor, heads, c["kind"], c["subtype"],
                               c["arrival"], c["kommune"], year, 1.7, programme, first, 0.3,
                               onward))


def test_move_rates_and_the_young_at_home(people):
    rng, c, heads = people
    table = rng.random(120)
    with_children = rng.random(len(c["age"])) < 0.4
    group = rng.integers(0, 3, len(c["age"])).astype(np.int8)
    by_group = rng.random((3, 128))
    rate = table[np.minimum(c["age"][heads], 119)]
    want = np.where(with_children[c["household"][heads]], rate * 0.7, rate) * by_group[
        group[c["household"][heads]], np.minimum(c["age"][heads], 127)]
    assert same(want, *twins(move_kernels.move_rates, heads, c["age"], c["household"],
                             with_children, table, 0.7, group, by_group))
    is_head = np.zeros(len(c["age"]), dtype=bool)
    is_head[heads] = True
    want = ~is_head & (c["age"] >= 18) & (c["age"] <= 30)
    assert same(want, *twins(move_kernels.young_at_home, is_head, c["age"], 18, 30))


@pytest.mark.parametrize("n_leaving", [0, 1, 500])
def test_unique_units_is_np_unique(people, n_leaving):
    _, c, heads = people
    household = c["household"][np.sort(np.concatenate([heads, heads[::3]]))]
    unit = np.concatenate([household, -1 - np.arange(n_leaving)])
    _, first, inverse = np.unique(unit, return_index=True, return_inverse=True)
    got = move_kernels.unique_units(household, n_leaving, int(household.max(initial=0)) + 1)
    assert same((first, inverse), got)


def test_emigration_rates(people):
    rng, c, heads = people
    immigrant, duration, native = rng.random(120), rng.random(120), rng.random(120)
    stay = rng.random(len(heads)) + 0.5
    age = c["age"][heads]
    years_here = np.maximum(2031 - c["arrival"][heads], 0)
    want = np.where(c["kind"][heads] == 1,
                    immigrant[np.minimum(age, 119)] * duration[np.minimum(years_here, 119)],
                    native[np.minimum(age, 119)]) * stay
    assert same(want, *twins(move_kernels.emigration_rates, heads, c["age"], c["kind"],
                             c["arrival"], 2031, immigrant, duration, native, stay))


def test_matching_kernels(people):
    rng, c, heads = people
    n_regions, n_s = 9, 7
    region = rng.integers(0, n_regions, K).astype(np.intp)
    sector = rng.integers(0, n_s, len(c["age"])).astype(np.int8)
    cell = region[c["kommune"][heads]] * n_s + sector[heads]
    want = (cell, np.bincount(cell, minlength=n_regions * n_s))
    assert same(want, *twins(job_kernels.worker_cells, heads, region, c["kommune"], sector,
                             n_s, n_regions * n_s))
    u, share = rng.random(len(heads)), rng.random(n_regions * n_s)
    assert same(u < share[cell], *twins(job_kernels.below, u, share, cell))
    weight = np.where(rng.random(len(c["age"])) < 0.2, 0.0, rng.random(len(c["age"])))
    assert same((c["employed"] == 0) & (weight > 0),
                *twins(job_kernels.seeking, c["employed"], weight))
    want = (region[c["kommune"][heads]], weight[heads])
    assert same(want, *twins(job_kernels.seeker_regions, heads, region, c["kommune"], weight))
    reg, w = want
    share = rng.random(n_regions)
    assert same(w * share[reg], *twins(job_kernels.hire_chances, w, reg, share))


def _cumulative_numpy(terms, distance, stay_utility, availability):
    """sim.processes.choice.base_cumulative as it was in NumPy."""
    total = sum(terms.values())
    u = total[:, None, :] + distance[None, :, :]
    k = distance.shape[0]
    u[:, np.arange(k), np.arange(k)] += stay_utility - availability[None, :]
    u -= u.max(axis=2, keepdims=True)
    p = np.exp(u)
    p /= p.sum(axis=2, keepdims=True)
    cum = np.cumsum(p, axis=2)
    cum[:, :, -1] = 1.0
    return cum


@pytest.mark.parametrize("n_types, k", [(1, 3), (40, 357)])
def test_base_cumulative_is_the_numpy_softmax_to_the_last_bit(n_types, k):
    from sim.processes import choice

    rng = np.random.default_rng(k)
    terms = {name: rng.normal(0, 3, (n_types, k)) for name in ("a", "b", "c")}
    distance = -np.log1p(rng.random((k, k)) * 900 / 50)
    availability = rng.normal(0, 1, k)
    want = _cumulative_numpy(terms, distance, 1.3, availability)
    total = sum(terms.values())
    stay = 1.3 - availability
    u = total[:, None, :] + distance[None, :, :]
    u[:, np.arange(k), np.arange(k)] += stay[None, :]
    weights = np.exp(u - u.max(axis=2, keepdims=True))
    every = np.arange(n_types * k)
    for p in twins(choice_kernels.exp_utilities, total, distance, stay, every):
        assert same(weights.reshape(-1, k), p)
        cum = twins(choice_kernels.cumulative, p, p.sum(axis=1, keepdims=True))
        assert same(want.reshape(-1, k), *cum)
    assert same(want, choice.base_cumulative(terms, distance, 1.3, availability))
    # some rows only, in any order: each the same to the last bit as in the whole table
    rows = np.random.default_rng(1).choice(n_types * k, size=max(1, n_types * k // 3))
    assert same(want.reshape(-1, k)[rows],
                choice.base_cumulative(terms, distance, 1.3, availability, rows))


def test_drawing_sectors(people):
    rng, c, heads = people
    shares = rng.random((K, 7))
    cum = np.cumsum(shares / shares.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(heads))
    place = c["kommune"][heads]
    want = np.full(len(c["age"]), -1, dtype=np.int8)
    want[heads] = (u[:, None] > cum[place]).sum(axis=1).clip(0, 6)
    for version in (job_kernels.draw_sectors.serial, job_kernels.draw_sectors.parallel):
        got = np.full(len(c["age"]), -1, dtype=np.int8)
        version(u, cum, place, got, heads)
        assert np.array_equal(got, want)


def test_heads_of_a_kind(people):
    _, c, heads = people
    assert same(c["kind"][heads] == 1, *twins(move_kernels.of_kind, heads, c["kind"], 1))


def test_household_bits(people):
    rng, c, _ = people
    sex = rng.integers(0, 2, len(c["age"])).astype(np.int8)
    hh, age, n = c["household"], c["age"], len(c["age"]) // 2 + 1
    adult = age > 17
    sexes = np.zeros(n, np.uint8)
    np.bitwise_or.at(sexes, hh[adult], (1 << sex[adult]).astype(np.uint8))
    child = np.zeros(n, bool)
    child[hh[age <= 17]] = True
    pupil = np.zeros(n, bool)
    pupil[hh[(age >= 6) & (age <= 15)]] = True
    bits = move_kernels.household_bits(hh, age, sex, 17, 6, 15, n)
    assert np.array_equal(bits & 3, sexes)
    assert np.array_equal((bits & 4) != 0, child) and np.array_equal((bits & 8) != 0, pupil)
