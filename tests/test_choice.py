"""The destination draw of ``sim.processes.choice``, on numbers small enough to check by hand."""

from __future__ import annotations

import numpy as np

from sim.processes import choice

N = 200_000    # draws: the standard error of a share is below 0.0012


def _cum(utility: list[float], stay_utility: float = 0.0) -> np.ndarray:
    """Cumulative choice probabilities of one mover type among len(utility) kommuner."""
    k = len(utility)
    return choice.base_cumulative({"x": np.array([utility])}, np.zeros((k, k)), stay_utility,
                                  np.zeros(k))


def test_base_probabilities_are_the_softmax_of_utility_with_the_stay_term():
    cum = _cum([0.0, np.log(2.0), 0.0])
    assert np.allclose(np.diff(cum[0, 0], prepend=0.0), [0.25, 0.5, 0.25])
    stay = _cum([0.0, np.log(2.0), 0.0], stay_utility=np.log(3.0))
    # from kommune 0, staying weighs 3: 3 : 2 : 1
    assert np.allclose(np.diff(stay[0, 0], prepend=0.0), [0.5, 1 / 3, 1 / 6])
    assert np.allclose(np.diff(stay[0, 2], prepend=0.0), [1 / 6, 1 / 3, 0.5])
    assert (stay[..., -1] == 1.0).all()


def test_a_pull_in_one_kommune_draws_exactly_the_softmax_of_base_plus_pull():
    cum = _cum([0.0, np.log(2.0), 0.0])
    # every mover has ties worth log 3 in kommune 2 and nothing else
    sparse = choice.Sparse(kommune=np.full((N, 2), -1), delta=np.zeros((N, 2)),
                           ties=np.zeros((N, 2), np.int64))
    sparse.kommune[:, 0] = 2
    sparse.delta[:, 0] = np.log(3.0)
    dest = choice.draw(cum[0], np.zeros(N, np.int64), sparse, np.random.default_rng(7))
    share = np.bincount(dest, minlength=3) / N
    # softmax(0, log 2, log 3): 1/6, 2/6, 3/6
    assert np.allclose(share, [1 / 6, 1 / 3, 1 / 2], atol=0.005), share


def test_without_pulls_the_draw_follows_the_base_probabilities():
    cum = _cum([np.log(4.0), 0.0, np.log(5.0)])
    sparse = choice.Sparse(kommune=np.full((N, 1), -1), delta=np.zeros((N, 1)),
                           ties=np.zeros((N, 1), np.int64))
    dest = choice.draw(cum[0], np.ones(N, np.int64), sparse, np.random.default_rng(8))
    share = np.bincount(dest, minlength=3) / N
    assert np.allclose(share, [0.4, 0.1, 0.5], atol=0.005), share
    # the same generator state gives the same draws
    again = choice.draw(cum[0], np.ones(N, np.int64), sparse, np.random.default_rng(8))
    assert (again == dest).all()


def test_types_with_the_same_utilities_share_one_row_of_the_choice_table():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    terms = {"a": np.vstack([a, a[[1]], a[[0]]]), "b": np.vstack([b, b[[1]], b[[0]]])}
    row, distinct = choice.distinct_types(terms)
    assert row.tolist() == [0, 1, 2, 1, 0]                 # types 3 and 4 repeat 1 and 0
    total = terms["a"] + terms["b"]
    shared = distinct["a"] + distinct["b"]
    assert np.array_equal(shared[row], total)              # each type's utilities, to the bit
