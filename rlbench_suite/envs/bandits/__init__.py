"""The restless multi-armed bandit family: classic budgeted RMABs and coupled coRMAB problems."""

from __future__ import annotations

import importlib
from pathlib import Path

from rlbench_suite.envs.bandits.armman import armman_family
from rlbench_suite.envs.bandits.circulant import circulant_family
from rlbench_suite.envs.bandits.two_state import two_state_family
from rlbench_suite.registry import EnvCard, MDPFamily, load_references, register_env

FAMILY = "bandits"
REFERENCES = load_references(Path(__file__).parent / "data" / "references.json")

_CLASSIC_AGENTS = ("random", "myopic", "sampling", "whittle")
_UCWHITTLE = "Wang et al., Optimistic Whittle Index Policy (UCWhittle), AAAI 2023"
_ROBUST_RMAB = "Killian et al., Restless and Uncertain (RobustRMAB), UAI 2022"


def _card(env_id: str, module: str, cls: str, **fields: object) -> EnvCard:
    # Each env module ends with its return_bounds(**env_kwargs), derived from its own reward
    # constants; the card states them for the instance gym.make(env_id) builds.
    env_module = importlib.import_module(f"rlbench_suite.envs.bandits.{module}")
    env_kwargs = dict(fields.get("kwargs", {}))  # type: ignore[call-overload]
    return EnvCard(
        id=env_id,
        family=FAMILY,
        entry_point=f"rlbench_suite.envs.bandits.{module}:{cls}",
        multi_agent=False,
        objectives=("reward",),
        observation_kind="vector",
        references=REFERENCES.get(env_id),
        return_bounds=env_module.return_bounds(**env_kwargs),
        **fields,  # type: ignore[arg-type]
    )


def _register() -> None:
    register_env(
        _card(
            "rlbench/RMAB-TwoState-v0",
            "two_state",
            "TwoStateRMABEnv",
            anchor=_UCWHITTLE,
            agents=_CLASSIC_AGENTS,
            expert_agent="whittle",
            mdp_family=MDPFamily(
                two_state_family, "per-arm transition draws; held out: Beta(0.5, 0.5)"
            ),
            native_kernel=True,
            summary=(
                "N two-state arms, act on at most B a step; reward = arms in the good state. "
                "References: sorted-uniform arms, N=10, B=3, H=100, Whittle at discount 0.95."
            ),
        )
    )
    register_env(
        _card(
            "rlbench/RMAB-UCWhittle-v0",
            "ucwhittle",
            "UCWhittleRMABEnv",
            anchor=_UCWHITTLE,
            agents=_CLASSIC_AGENTS,
            expert_agent="whittle",
            mdp_family=MDPFamily(
                two_state_family, "new UCWhittle arm draws; held out: Beta(0.5, 0.5) first draws"
            ),
            summary=(
                "UCWhittle's setting: its arm generator, N=8, B=3, H=20; the references use it, "
                "with Whittle at its discount 0.9."
            ),
        )
    )
    register_env(
        _card(
            "rlbench/RMAB-ARMMAN-v0",
            "armman",
            "ARMMANRMABEnv",
            anchor=_ROBUST_RMAB,
            agents=_CLASSIC_AGENTS,
            expert_agent="whittle",
            mdp_family=MDPFamily(
                armman_family,
                "call effects +-0.05; held out: RobustRMAB's uncertainty intervals per type, row",
            ),
            summary="Maternal-health calls: 3-state mothers of types A/B/C, a few calls a step.",
        )
    )
    register_env(
        _card(
            "rlbench/RMAB-Circulant-v0",
            "circulant",
            "CirculantRMABEnv",
            anchor=_ROBUST_RMAB,
            agents=_CLASSIC_AGENTS,
            expert_agent="whittle",
            mdp_family=MDPFamily(
                circulant_family, "rows mixed with noise up to 0.1; held out: 0.3"
            ),
            summary="Four-state cycle arms; acting turns the cycle; rewards [-1, 0, 0, 1].",
        )
    )


_register()


# -- coRMAB problems (SEQUOIA) ---------------------------------------------------------------
_CORMAB_AGENTS = ("random", "myopic", "sampling")
# Problems whose action is a set of pulls have independent arms: the Whittle index policy
# applies, pulling the feasible set of largest total index (see WhittleIndexAgent).
_PULLED_ARM_AGENTS = (*_CORMAB_AGENTS, "whittle")
_SEQUOIA = (
    "Xu, Wilder, Khalil, Tambe, Reinforcement learning with combinatorial actions for coupled "
    "restless bandits (SEQUOIA), ICLR 2025"
)
_CORMAB_HELD_OUT = "held out: up-probabilities (0.1, 0.3) passive, (0.5, 0.7) active"


def _register_cormab() -> None:
    # Imported here so that this block stays self-contained.
    from rlbench_suite.envs.bandits.cormab import pulled_arm_family
    from rlbench_suite.envs.bandits.multi_intervention import multi_intervention_family

    register_env(
        _card(
            "rlbench/CoRMAB-MultiIntervention-v0",
            "multi_intervention",
            "CoRMABMultiInterventionEnv",
            anchor=_SEQUOIA,
            agents=_CORMAB_AGENTS,
            expert_agent="myopic",
            mdp_family=MDPFamily(
                multi_intervention_family, "new instance seed; held out: edge weight 2.5 or 3.5"
            ),
            summary="Pick B of N interventions, each reaching 3 arms through a sigmoid link.",
        )
    )
    register_env(
        _card(
            "rlbench/CoRMAB-Path-v0",
            "path",
            "CoRMABPathEnv",
            anchor=_SEQUOIA,
            agents=_PULLED_ARM_AGENTS,
            expert_agent="whittle",
            mdp_family=MDPFamily(pulled_arm_family, f"new instance seed; {_CORMAB_HELD_OUT}"),
            summary="Pull up to B transit stations on one closed walk of <= 2B edges.",
        )
    )
    register_env(
        _card(
            "rlbench/CoRMAB-Scheduling-v0",
            "scheduling",
            "CoRMABSchedulingEnv",
            anchor=_SEQUOIA,
            agents=_PULLED_ARM_AGENTS,
            expert_agent="whittle",
            mdp_family=MDPFamily(pulled_arm_family, f"new instance seed; {_CORMAB_HELD_OUT}"),
            summary="Book B workers into 5 time slots; a pulled arm needs two bookings.",
        )
    )
    register_env(
        _card(
            "rlbench/CoRMAB-Capacity-v0",
            "capacity",
            "CoRMABCapacityEnv",
            anchor=_SEQUOIA,
            agents=_PULLED_ARM_AGENTS,
            expert_agent="whittle",
            mdp_family=MDPFamily(pulled_arm_family, f"new instance seed; {_CORMAB_HELD_OUT}"),
            summary="Assign arms of cost 2-6 to B workers of capacity 2-7; no global budget.",
        )
    )
    # The pulled-arm problems' expert is the Whittle index policy: the myopic MILP loses to a
    # constant pull set on them (e.g. Path 197.6 against 234.7), so it cannot anchor a score.
    # v1: SEQUOIA's own action, the pull vector, with the assignment solved by the env.
    register_env(
        _card(
            "rlbench/CoRMAB-Scheduling-v1",
            "scheduling",
            "CoRMABSchedulingEnv",
            anchor=_SEQUOIA,
            agents=_PULLED_ARM_AGENTS,
            expert_agent="whittle",
            kwargs={"action_mode": "pulls"},
            mdp_family=MDPFamily(pulled_arm_family, f"new instance seed; {_CORMAB_HELD_OUT}"),
            summary="Choose up to B arms to pull; the env books 2 worker-slots for each (MILP).",
        )
    )
    register_env(
        _card(
            "rlbench/CoRMAB-Capacity-v1",
            "capacity",
            "CoRMABCapacityEnv",
            anchor=_SEQUOIA,
            agents=_PULLED_ARM_AGENTS,
            expert_agent="whittle",
            kwargs={"action_mode": "pulls"},
            mdp_family=MDPFamily(pulled_arm_family, f"new instance seed; {_CORMAB_HELD_OUT}"),
            summary="Choose arms of cost 2-6 to pull; the env fits them to B workers' capacities.",
        )
    )


_register_cormab()
