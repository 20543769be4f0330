"""CoRMAB-Path: one worker walks a transit network from a depot and acts on stations on the way.

## Description

The second of SEQUOIA's four coupled restless bandits. The arms are the ``num_arms`` (J)
stations of a transit network. Each step one worker leaves the source station (the depot),
walks along the network's edges and comes back, in at most ``2 * budget`` edge traversals, and
pulls at most ``budget`` (B) of the stations the walk visits (the source included). Pulled
stations move up their four-state chain with their active up-probability, the others with their
passive one; the arm model (rewards, chain, start states) is the one shared by every coRMAB
problem: see :mod:`rlbench_suite.envs.bandits.cormab`.

The network. The anchor uses subgraphs of the London Underground read from a pickle. We ship
our own, ``data/transit_graph.json``: a made-up metro of 100 stations on 7 lines (four
cross-town lines through the centre, a circle line, two branch lines) with invented station
names. It was generated once by a script: each line is a jittered polyline across a 21 x 19 km
plane with a station every 1.15 km, stations of different lines closer than 0.55 km were
merged into interchanges, and one terminus was dropped to make 100 stations (107 edges). The
stations are numbered in breadth-first order from the source, "Central", so the J-station
network is stations 0..J-1 with the edges among them (connected for every J). Pass
``graph_path`` to use another network in the same format (see :func:`load_transit_graph`).

Which station is which arm is part of the instance: arm ``j`` is station
``env.unwrapped.arm_stations[j]`` (named in ``arm_names``), a random permutation drawn from
``instance_seed``, so the high-value arms 0..B-1 lie anywhere in the network, not only next to
the source. ``source_arm`` is the depot's arm index, ``arm_edges`` the edges in arm indices and
``hop_distance`` the (J, J) matrix of shortest walks in edges.

## Action Space

``MultiBinary(num_arms)``: 1 = pull the arm (station). The walk itself is not part of the
action: an action is feasible when at most ``budget`` arms are pulled and some closed walk from
the source of at most ``2 * budget`` edges visits all of them. We chose the pull vector alone so
that the action is the decision that matters to the arms (it is also the anchor's action), and
checked the walk exactly instead of asking the agent to spell it out. The shortest closed walk
through a set of stations is a shortest tour in the hop-distance metric; the check solves it
exactly with Held-Karp dynamic programming for up to 13 pulled stations (every default scale
up to J = 55) and, beyond that, accepts when a 2-opt tour fits and otherwise settles it with an
exact MILP. The error message gives the shortest walk's length.

The MILP over feasible actions (``env.unwrapped.action_polytope``, used by the myopic agent and
``invalid_action="project"``) is exact too: besides the pulls it has, per edge, how often the
walk crosses it (0, 1 or 2: a shortest covering walk never needs more), a half-degree per
station (even degrees make the crossings an Euler tour), and, per station, a flow of one unit
from the source when the station is pulled, through arcs of capacity half their edge's
crossings (connectivity; the halving is exact for closed walks and makes the relaxation much
tighter). Every feasible pull vector extends to a point of it, and every point's pulls lie on a
closed walk of at most ``2 * budget`` edges. It is an orienteering problem, NP-hard: HiGHS
solves it in about 10 ms at J = 20 and 80 ms at J = 40, but takes seconds at J = 100.

This is stricter than the anchor. SEQUOIA's routing MILP (``routing_approximator.py`` in
lily-x/combinatorial-rmab) unrolls the walk over time with a variable per edge, and per station
a self-loop, per step; its path-length constraint counts only the edges, and its "pulled
stations are visited" constraint counts every variable entering the station, self-loops
included. A station can then take a self-loop at every step, a chain that keeps its own flow
balance apart from the walk from the source, and count as visited without the walk ever
reaching it; as we read that model, any B stations pass its walk constraints and only the
budget binds. This env enforces
the real closed-walk constraint in its feasibility check, its MILP and its random sampler, so
its myopic and random scores are not comparable with numbers from the anchor's MILP.

Infeasible actions follow ``invalid_action`` (``"raise"``: ``InvalidActionError`` naming the
broken constraint; ``"penalty"``: nothing is pulled and the reward is reduced by
``invalid_action_penalty``, by default the largest step reward; ``"project"``: the closest
feasible action, by the MILP). ``action_space.sample()`` returns a random feasible action: a
random closed walk of at most ``2 * budget`` edges from the source, and ``budget`` of its stations
(all of them when it visits fewer).

## Observation Space

``MultiDiscrete([4] * num_arms)``:

| index | observation | values |
|-------|-------------|--------|
| j     | state of arm j (station ``arm_stations[j]``) | 0 (lowest) to 3 (top) |

## Rewards

Sum over arms of the reward of each arm's state after the step, minus the penalty when an
infeasible action was penalised.

## Starting State

Each arm starts in state 1 with probability 0.2, else in state 0.

## Episode End

No termination; truncation after ``horizon`` steps (default 20).

## Arguments

```python
gym.make("rlbench/CoRMAB-Path-v0", num_arms=20, budget=None, horizon=20, instance_seed=0,
         graph_path=None, passive_up_range=(0.0, 0.2), active_up_range=(0.7, 0.9),
         invalid_action="raise", invalid_action_penalty=None, render_mode=None)
```

- ``num_arms`` (J, at most the network's station count, 100 for the shipped one; the paper's
  scales are 20, 40 and 100), ``budget`` (B; ``None`` = J // 4, the anchor's ratio: 5 for
  J = 20, so walks of up to 10 edges). ``horizon``: steps per episode.
- ``instance_seed``: which instance (arm parameters, station-to-arm permutation).
- ``graph_path``: a transit network JSON file; ``None`` = the shipped one.
- ``passive_up_range``, ``active_up_range``: uniform ranges of the up-probabilities (the
  held-out MDP-family split uses (0.1, 0.3) and (0.5, 0.7)).
- ``render_mode``: ``"ansi"`` or ``"rgb_array"`` (one cell per arm; ``[s]`` marks pulled arms).

## Reference Scores

Random feasible, the trivial policies that set the zero anchor, and the expert, the Whittle
index policy (``"whittle"``: the feasible pull set of largest total index, by the MILP), 50
episodes each from seed 0; see the EnvCard (``rlbench info rlbench/CoRMAB-Path-v0``). Myopic
(a MILP maximising the one-step expected reward) and best-of-100 sampling also run on it;
myopic, the first expert, scores below a policy that pulls one fixed feasible set every step,
as the non-monotone rewards intend.

## Version History

- v0: first release.

## Credits

L. Xu, B. Wilder, E. B. Khalil, M. Tambe, "Reinforcement learning with combinatorial actions for
coupled restless bandits", ICLR 2025 (SEQUOIA); problem after the authors' code
(github.com/lily-x/combinatorial-rmab), with our own network and an exact HiGHS MILP.

Example:
    >>> import gymnasium as gym, numpy as np, rlbench_suite
    >>> env = gym.make("rlbench/CoRMAB-Path-v0")
    >>> obs, info = env.reset(seed=0)
    >>> model = env.unwrapped
    >>> model.max_walk_length, model.arm_names[model.source_arm]
    (10, 'Central')
    >>> action = np.zeros(20, dtype=np.int8)
    >>> action[model.source_arm] = 1
    >>> obs, reward, terminated, truncated, info = env.step(action)
    >>> info["invalid_action"]
    False

"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components, shortest_path

from rlbench_suite.envs.bandits.common import ActionPolytope, InvalidActionMode
from rlbench_suite.envs.bandits.cormab import (
    ACTIVE_UP_RANGE,
    PASSIVE_UP_RANGE,
    PulledArmBandit,
    check_integer,
    sample_arm_model,
)

DEFAULT_GRAPH_PATH = Path(__file__).parent / "data" / "transit_graph.json"
# Held-Karp keeps 2^k * k partial tours; 13 stations is 106k entries, a few milliseconds.
HELD_KARP_MAX_STATIONS = 13
MAX_EDGE_CROSSINGS = 2  # a shortest closed walk through given stations crosses no edge thrice


@dataclass(frozen=True)
class TransitGraph:
    """A transit network: stations, the lines they are on, undirected edges and a source."""

    station_names: tuple[str, ...]
    station_lines: tuple[tuple[str, ...], ...]
    positions: np.ndarray  # (num_stations, 2) x, y in km
    edges: np.ndarray  # (num_edges, 2) station ids, smaller first
    edge_lines: tuple[str, ...]
    line_colours: dict[str, str]
    source: int

    @property
    def num_stations(self) -> int:
        """How many stations the network has."""
        return len(self.station_names)

    def subnetwork(self, num_stations: int) -> TransitGraph:
        """Stations ``0 .. num_stations-1`` and the edges among them."""
        keep = np.all(self.edges < num_stations, axis=1)
        return TransitGraph(
            station_names=self.station_names[:num_stations],
            station_lines=self.station_lines[:num_stations],
            positions=self.positions[:num_stations],
            edges=self.edges[keep],
            edge_lines=tuple(
                line for line, kept in zip(self.edge_lines, keep, strict=True) if kept
            ),
            line_colours=self.line_colours,
            source=self.source,
        )

    def is_connected(self) -> bool:
        """Whether every station can reach every other."""
        return connected_components(adjacency_matrix(self.num_stations, self.edges))[0] == 1


def adjacency_matrix(num_nodes: int, edges: np.ndarray) -> coo_array:
    """Symmetric 0/1 sparse adjacency of an undirected edge list (num_edges, 2)."""
    both_ways = np.concatenate([edges, edges[:, ::-1]])
    return coo_array(
        (np.ones(both_ways.shape[0]), (both_ways[:, 0], both_ways[:, 1])),
        shape=(num_nodes, num_nodes),
    )


def load_transit_graph(path: str | Path = DEFAULT_GRAPH_PATH) -> TransitGraph:
    """Read and check a transit network JSON file; a malformed file raises ValueError naming it.

    The format: ``{"source": id, "lines": [{"name", "colour"}], "stations": [{"id", "name",
    "x", "y", "lines"}], "edges": [{"stations": [id, id], "line"}]}``, station ids 0..n-1 in
    order, every edge between two different known stations on a declared line, no edge twice,
    and the network connected.
    """
    path = Path(path)

    def malformed(problem: str) -> ValueError:
        return ValueError(f"transit graph file {path}: {problem}")

    try:
        raw = json.loads(path.read_text())
    except OSError as error:
        raise malformed(f"cannot be read ({error.strerror or error})") from None
    except json.JSONDecodeError as error:
        raise malformed(f"is not valid JSON ({error})") from None
    if not isinstance(raw, dict):
        raise malformed(f"must hold a JSON object, got {type(raw).__name__}")
    missing = [key for key in ("source", "lines", "stations", "edges") if key not in raw]
    if missing:
        raise malformed(f"missing keys {missing}")
    try:
        line_colours = {str(line["name"]): str(line.get("colour", "")) for line in raw["lines"]}
        stations = raw["stations"]
        ids = [int(station["id"]) for station in stations]
        names = tuple(str(station["name"]) for station in stations)
        positions = np.array([[float(s["x"]), float(s["y"])] for s in stations]).reshape(-1, 2)
        station_lines = tuple(tuple(str(line) for line in s.get("lines", [])) for s in stations)
        edge_pairs = [[int(node) for node in edge["stations"]] for edge in raw["edges"]]
        edge_lines = tuple(str(edge["line"]) for edge in raw["edges"])
        source = int(raw["source"])
    except (KeyError, TypeError, ValueError) as error:
        raise malformed(f"has an entry without a valid field ({error!r})") from None
    if ids != list(range(len(ids))):
        raise malformed("station ids must be 0, 1, 2, ... in order")
    if len(set(names)) != len(names):
        raise malformed("station names must be unique")
    if not 0 <= source < len(ids):
        raise malformed(f"source {source} is not a station id")
    for station_id, lines in enumerate(station_lines):
        unknown = set(lines) - set(line_colours)
        if unknown:
            raise malformed(f"station {station_id} is on undeclared lines {sorted(unknown)}")
    seen_edges: set[tuple[int, int]] = set()
    for pair, line in zip(edge_pairs, edge_lines, strict=True):
        if len(pair) != 2 or not all(0 <= node < len(ids) for node in pair):
            raise malformed(f"edge {pair} must join two station ids in [0, {len(ids) - 1}]")
        if pair[0] == pair[1]:
            raise malformed(f"edge {pair} joins a station to itself")
        if line not in line_colours:
            raise malformed(f"edge {pair} is on undeclared line {line!r}")
        key = (min(pair), max(pair))
        if key in seen_edges:
            raise malformed(f"edge {pair} appears twice")
        seen_edges.add(key)
    edges = np.sort(np.array(edge_pairs, dtype=np.int64).reshape(-1, 2), axis=1)
    graph = TransitGraph(names, station_lines, positions, edges, edge_lines, line_colours, source)
    if not graph.is_connected():
        raise malformed("the network is not connected")
    return graph


def shortest_tour_length(distance: np.ndarray) -> int:
    """Length of the shortest closed tour from node 0 through every node of a metric.

    ``distance`` is (k + 1, k + 1) with node 0 the start. Held-Karp dynamic programming over
    subsets, vectorised over all subsets of one size at a time: ``best[mask, j]`` is the
    shortest path from node 0 through the nodes of ``mask`` ending at node j + 1.
    """
    num_targets = distance.shape[0] - 1
    if num_targets == 0:
        return 0
    from_start = distance[0, 1:].astype(np.float64)  # (k,)
    between = distance[1:, 1:].astype(np.float64)  # (k, k)
    if num_targets == 1:
        return int(2 * from_start[0])
    bits = 1 << np.arange(num_targets)  # (k,)
    masks = np.arange(1 << num_targets)
    subset_size = np.zeros(masks.shape[0], dtype=np.int64)
    for bit in bits:
        subset_size += (masks & bit) > 0
    best = np.full((masks.shape[0], num_targets), np.inf)  # (2^k, k)
    best[bits, np.arange(num_targets)] = from_start
    for size in range(2, num_targets + 1):
        layer = masks[subset_size == size]  # (m,)
        without_end = layer[:, None] ^ bits[None, :]  # (m, k): the subset minus its end node j
        # candidate[m, j, i] = best[subset - j, i] + d(i, j); i outside the subset stays inf.
        candidate = best[without_end] + between.T[None, :, :]
        contains_end = (layer[:, None] & bits[None, :]) > 0
        best[layer] = np.where(contains_end, candidate.min(axis=2), np.inf)
    return int(np.min(best[-1] + from_start))


def two_opt_tour_length(distance: np.ndarray) -> int:
    """An upper bound on :func:`shortest_tour_length`: nearest-neighbour tour, then 2-opt."""
    num_nodes = distance.shape[0]
    tour, unvisited = [0], set(range(1, num_nodes))
    while unvisited:
        nearest = min(unvisited, key=lambda node: (distance[tour[-1], node], node))
        tour.append(nearest)
        unvisited.remove(nearest)
    tour.append(0)
    improved = True
    while improved:
        improved = False
        for first in range(1, num_nodes - 1):
            for last in range(first + 1, num_nodes):
                a, b, c, d = tour[first - 1], tour[first], tour[last], tour[last + 1]
                if distance[a, c] + distance[b, d] < distance[a, b] + distance[c, d]:
                    tour[first : last + 1] = tour[first : last + 1][::-1]
                    improved = True
    return int(sum(distance[tour[step], tour[step + 1]] for step in range(num_nodes)))


class CoRMABPathEnv(PulledArmBandit):
    """SEQUOIA's path-constrained coupled restless bandit (see the module docstring)."""

    def __init__(
        self,
        num_arms: int = 20,
        budget: int | None = None,
        horizon: int = 20,
        instance_seed: int = 0,
        graph_path: str | Path | None = None,
        passive_up_range: tuple[float, float] = PASSIVE_UP_RANGE,
        active_up_range: tuple[float, float] = ACTIVE_UP_RANGE,
        invalid_action: InvalidActionMode = "raise",
        invalid_action_penalty: float | None = None,
        render_mode: str | None = None,
    ) -> None:
        owner = type(self).__name__
        network = load_transit_graph(DEFAULT_GRAPH_PATH if graph_path is None else graph_path)
        check_integer(owner, "num_arms", num_arms, 2, network.num_stations)
        rng = self._setup_instance(num_arms, budget, horizon, instance_seed)
        network = network.subnetwork(self.num_arms)
        if not network.is_connected() or network.source >= self.num_arms:
            raise ValueError(
                f"{owner}: stations 0..{self.num_arms - 1} of the transit graph must be "
                f"connected and hold the source (station {network.source}); "
                f"num_arms={self.num_arms} breaks this"
            )
        self._set_arm_model(
            sample_arm_model(
                rng, self.num_arms, self.budget, passive_up_range, active_up_range, owner
            )
        )
        self.network = network
        self.max_walk_length = 2 * self.budget  # the anchor's path length: twice the budget
        self.arm_stations = rng.permutation(self.num_arms)  # (J,) station of each arm
        station_to_arm = np.argsort(self.arm_stations)  # (J,)
        self.arm_names = tuple(network.station_names[station] for station in self.arm_stations)
        self.source_arm = int(station_to_arm[network.source])
        self.arm_edges = np.sort(station_to_arm[network.edges], axis=1)  # (E, 2) in arm indices
        self.hop_distance = shortest_path(
            adjacency_matrix(self.num_arms, self.arm_edges), directed=False, unweighted=True
        ).astype(np.int64)  # (J, J)
        self._neighbours = [
            np.flatnonzero(row) for row in adjacency_matrix(self.num_arms, self.arm_edges).toarray()
        ]
        self._finish_coupled_init(
            (self.num_arms,),
            self._build_polytope(),
            invalid_action,
            invalid_action_penalty,
            render_mode,
        )

    # -- the exact MILP of "pulls on a closed walk" ------------------------------------------

    def _build_polytope(self) -> ActionPolytope:
        """The polytope of feasible pull vectors, with the walk as auxiliary variables."""
        reachable = 2 * self.hop_distance[self.source_arm] <= self.max_walk_length
        targets = np.flatnonzero(reachable & (np.arange(self.num_arms) != self.source_arm))
        constraint, lower, upper, integrality = self._walk_model(
            self.max_walk_length, self.budget, targets
        )
        return ActionPolytope(
            action_shape=(self.num_arms,),
            num_variables=integrality.shape[0],
            constraints=(constraint,),
            integrality=integrality,
            bounds=Bounds(lower, upper),
        )

    def _walk_model(
        self, walk_limit: int, pull_limit: int, targets: np.ndarray
    ) -> tuple[LinearConstraint, np.ndarray, np.ndarray, np.ndarray]:
        """Constraints, bounds and integrality of "pulls on one short closed walk".

        At most ``pull_limit`` pulls, each of them the source or one of ``targets``, all on one
        closed walk from the source of at most ``walk_limit`` edges. Variables, in order: pull
        (J, binary), crossings (E, integer 0..2), half-degree (J, integer), then for each target
        k a flow over the arcs (each edge both ways) a walk to k could use (continuous >= 0).
        Target k receives ``pull_k`` units from the source, at most half an edge's crossings on
        each arc: a closed walk crosses every cut between the source and a pulled station at
        least twice, so this is exact, and it is the cut bound the solver's relaxation needs.
        Flow puts the pulled stations in the source's part of the crossed multigraph; even
        degrees make that part one closed walk (an Euler tour) no longer than the crossings'
        total.
        """
        num_arms, num_edges = self.num_arms, self.arm_edges.shape[0]
        pull = np.arange(num_arms)
        crossings = num_arms + np.arange(num_edges)
        half_degree = num_arms + num_edges + np.arange(num_arms)
        self._crossing_variables = crossings
        arc_tail = np.concatenate([self.arm_edges[:, 0], self.arm_edges[:, 1]])  # (2E,)
        arc_head = np.concatenate([self.arm_edges[:, 1], self.arm_edges[:, 0]])
        arc_edge = np.tile(np.arange(num_edges), 2)
        to_source = self.hop_distance[self.source_arm]  # (J,)

        rows = SparseRows()
        rows.add(pull, np.ones(num_arms), 0, pull_limit)
        rows.add(crossings, np.ones(num_edges), 0, walk_limit)
        degree = np.bincount(self.arm_edges.ravel(), minlength=num_arms)  # (J,)
        for arm in range(num_arms):
            # Crossings at a station are twice its half-degree: all degrees even, an Euler tour.
            edges_here = crossings[np.flatnonzero((self.arm_edges == arm).any(axis=1))]
            rows.add([*edges_here, half_degree[arm]], [1] * len(edges_here) + [-2], 0, 0)

        next_variable = 2 * num_arms + num_edges
        flow_owner = np.flatnonzero(np.arange(num_arms) != self.source_arm)  # conservation rows
        row_of_node = np.full(num_arms, -1)
        row_of_node[flow_owner] = np.arange(flow_owner.shape[0])
        for target in targets:
            # Arcs on some walk to the target and back within the limit; none into the source
            # or out of the target, which a flow never needs.
            usable = np.flatnonzero(
                (
                    to_source[arc_tail]
                    + 1
                    + self.hop_distance[arc_head, target]
                    + to_source[target]
                    <= walk_limit
                )
                & (arc_head != self.source_arm)
                & (arc_tail != target)
            )
            flow = next_variable + np.arange(usable.shape[0])
            next_variable += usable.shape[0]
            # Conservation at every station but the source: inflow - outflow = pull_target there.
            heads, tails = row_of_node[arc_head[usable]], row_of_node[arc_tail[usable]]
            leaves_inner = tails >= 0
            rows.add_block(
                local_rows=np.concatenate([heads, tails[leaves_inner], [row_of_node[target]]]),
                columns=np.concatenate([flow, flow[leaves_inner], [pull[target]]]),
                values=np.concatenate(
                    [np.ones(usable.shape[0]), -np.ones(int(leaves_inner.sum())), [-1.0]]
                ),
                lower=np.zeros(flow_owner.shape[0]),
                upper=np.zeros(flow_owner.shape[0]),
            )
            # Each arc carries at most half its edge's crossings.
            count = usable.shape[0]
            rows.add_block(
                local_rows=np.tile(np.arange(count), 2),
                columns=np.concatenate([flow, crossings[arc_edge[usable]]]),
                values=np.concatenate([np.ones(count), np.full(count, -0.5)]),
                lower=np.full(count, -np.inf),
                upper=np.zeros(count),
            )

        num_variables = next_variable
        lower = np.zeros(num_variables)
        upper = np.ones(num_variables)
        upper[crossings] = MAX_EDGE_CROSSINGS
        upper[half_degree] = degree * MAX_EDGE_CROSSINGS // 2
        not_pullable = np.ones(num_arms, dtype=bool)
        not_pullable[targets] = False
        not_pullable[self.source_arm] = False
        upper[pull[not_pullable]] = 0
        # An edge whose out-and-back trip from the source is too long is never crossed.
        out_and_back = to_source[self.arm_edges].sum(axis=1) + 1  # (E,)
        upper[crossings[out_and_back > walk_limit]] = 0
        integrality = np.zeros(num_variables)
        integrality[: 2 * num_arms + num_edges] = 1
        return rows.constraint(num_variables), lower, upper, integrality

    # -- the exact feasibility check -----------------------------------------------------------

    def shortest_covering_walk(self, arms: np.ndarray) -> int:
        """Edges in the shortest closed walk from the source that visits every arm in ``arms``."""
        targets = np.setdiff1d(np.asarray(arms, dtype=np.int64), [self.source_arm])
        nodes = np.concatenate([[self.source_arm], targets])
        metric = self.hop_distance[np.ix_(nodes, nodes)]
        if targets.shape[0] <= HELD_KARP_MAX_STATIONS:
            return shortest_tour_length(metric)
        return self._milp_shortest_walk(targets)

    def _milp_shortest_walk(self, targets: np.ndarray) -> int:
        """Fewest edge crossings of a closed walk through ``targets``, by the exact MILP."""
        # No length limit (a closed walk never needs 2 J edges) and no budget may hide the length
        # we measure; every target is pulled.
        constraint, lower, upper, integrality = self._walk_model(
            2 * self.num_arms, self.num_arms, targets
        )
        lower[targets] = 1
        cost = np.zeros(integrality.shape[0])
        cost[self._crossing_variables] = 1.0
        result = milp(
            c=cost,
            constraints=[constraint],
            integrality=integrality,
            bounds=Bounds(lower, upper),
            options={"presolve": True},
        )
        if result.x is None:
            raise RuntimeError(f"the walk MILP found no walk through arms {targets.tolist()}")
        return round(result.fun)

    def _walk_fits(self, arms: np.ndarray) -> tuple[bool, int]:
        """Whether the pulled ``arms`` fit one walk, and the shortest walk's length when known."""
        targets = np.setdiff1d(arms, [self.source_arm])
        if targets.shape[0] > HELD_KARP_MAX_STATIONS:
            nodes = np.concatenate([[self.source_arm], targets])
            # A quick tour settles the usual case; the exact MILP only the rest.
            heuristic = two_opt_tour_length(self.hop_distance[np.ix_(nodes, nodes)])
            if heuristic <= self.max_walk_length:
                return True, heuristic
        length = self.shortest_covering_walk(targets)
        return length <= self.max_walk_length, length

    # -- the RestlessBanditBase contract -----------------------------------------------------

    def pulled_arms(self, action: np.ndarray) -> np.ndarray:
        """The action is the pull vector."""
        return np.asarray(action) > 0

    def pull_objective(self, arm_values: np.ndarray) -> np.ndarray:
        """``arm_values`` on the pull variables, zero on the walk's auxiliary variables."""
        objective = np.zeros(self.action_polytope.num_variables)
        objective[: self.num_arms] = arm_values
        return objective

    def sample_feasible_action(self, rng: np.random.Generator) -> np.ndarray:
        """A random closed walk from the source, then ``budget`` of its stations at random.

        The walk steps to a uniformly random neighbour among those from which the source can
        still be reached within the length limit, so it is always closable; it ends when it is
        back at the source with no step to spare.
        """
        to_source = self.hop_distance[self.source_arm]  # (J,) symmetric hops
        node, steps_taken = self.source_arm, 0
        visited = {node}
        while True:
            options = [
                neighbour
                for neighbour in self._neighbours[node]
                if steps_taken + 1 + to_source[neighbour] <= self.max_walk_length
            ]
            if not options:  # only happens at the source, with the walk used up
                break
            node = options[int(rng.integers(len(options)))]
            steps_taken += 1
            visited.add(node)
        stations = np.fromiter(visited, dtype=np.int64)
        action = np.zeros(self.num_arms, dtype=np.int8)
        num_pulled = min(self.budget, stations.shape[0])
        action[rng.choice(stations, size=num_pulled, replace=False)] = 1
        return action

    def constraint_violation(self, action: np.ndarray) -> str | None:
        """Over budget, a station out of reach, or no closed walk short enough."""
        pulled = np.flatnonzero(action)
        if pulled.shape[0] > self.budget:
            return f"{pulled.shape[0]} stations pulled; at most budget={self.budget}"
        source_name = self.arm_names[self.source_arm]
        hops = self.hop_distance[self.source_arm, pulled]
        too_far = pulled[2 * hops > self.max_walk_length]
        if too_far.shape[0]:
            arm = int(too_far[0])
            return (
                f"arm {arm} ({self.arm_names[arm]}) is {self.hop_distance[self.source_arm, arm]} "
                f"edges from the source {source_name}; a closed walk of at most "
                f"{self.max_walk_length} edges reaches {self.max_walk_length // 2} at most"
            )
        fits, length = self._walk_fits(pulled)
        if not fits:
            return (
                f"the pulled arms {pulled.tolist()} need a closed walk of {length} edges from "
                f"the source {source_name}; at most {self.max_walk_length} (2 x budget)"
            )
        return None

    def instance_summary(self) -> dict[str, Any]:
        """Shared parameters plus the network in arm indices."""
        return {
            **super().instance_summary(),
            "arm_names": list(self.arm_names),
            "source_arm": self.source_arm,
            "arm_edges": self.arm_edges.tolist(),
            "max_walk_length": self.max_walk_length,
        }


class SparseRows:
    """Linear constraints collected block by block, turned into one sparse ``LinearConstraint``."""

    def __init__(self) -> None:
        self._rows: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._values: list[np.ndarray] = []
        self._lower: list[np.ndarray] = []
        self._upper: list[np.ndarray] = []
        self.num_rows = 0

    def add(
        self,
        columns: Sequence[int] | np.ndarray,
        values: Sequence[float] | np.ndarray,
        low: float,
        high: float,
    ) -> None:
        """Append one row: ``low <= sum(values * x[columns]) <= high``."""
        self.add_block(
            np.zeros(len(columns), dtype=np.int64),
            columns,
            values,
            np.array([low]),
            np.array([high]),
        )

    def add_block(
        self,
        local_rows: np.ndarray,
        columns: Sequence[int] | np.ndarray,
        values: Sequence[float] | np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
    ) -> None:
        """Append ``len(lower)`` rows; entry n goes to row ``local_rows[n]`` of the block."""
        self._rows.append(self.num_rows + np.asarray(local_rows, dtype=np.int64))
        self._cols.append(np.asarray(columns, dtype=np.int64))
        self._values.append(np.asarray(values, dtype=np.float64))
        self._lower.append(np.asarray(lower, dtype=np.float64))
        self._upper.append(np.asarray(upper, dtype=np.float64))
        self.num_rows += len(lower)

    def constraint(self, num_variables: int) -> LinearConstraint:
        """All rows as one constraint with a CSR matrix over ``num_variables`` columns."""
        matrix = coo_array(
            (
                np.concatenate(self._values),
                (np.concatenate(self._rows), np.concatenate(self._cols)),
            ),
            shape=(self.num_rows, num_variables),
        ).tocsr()
        return LinearConstraint(matrix, np.concatenate(self._lower), np.concatenate(self._upper))


def return_bounds(**env_kwargs: object) -> tuple[float, float]:
    """Smallest and largest episode return of ``CoRMABPathEnv(**env_kwargs)``.

    Exactly ``horizon`` steps, each paying every arm its state's reward; see
    :func:`~rlbench_suite.envs.bandits.cormab.coupled_return_bounds` (defaults: [40, 1500]).
    """
    from rlbench_suite.envs.bandits.cormab import coupled_return_bounds

    return coupled_return_bounds(CoRMABPathEnv, env_kwargs)
