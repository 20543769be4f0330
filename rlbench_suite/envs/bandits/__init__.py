"""The restless multi-armed bandit family: classic budgeted RMABs and coupled coRMAB problems."""

from __future__ import annotations

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
    return EnvCard(
        id=env_id,
        family=FAMILY,
        entry_point=f"rlbench_suite.envs.bandits.{module}:{cls}",
        multi_agent=False,
        objectives=("reward",),
        observation_kind="vector",
        references=REFERENCES.get(env_id),
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
            native_kernel=False,
            summary="N two-state arms, act on at most B a step; reward = arms in the good state.",
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
                armman_family, "call effects +-0.05; held out: +-0.2, other type shares"
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
