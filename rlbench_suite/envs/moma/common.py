"""What every env of the multi-objective multi-agent family shares: its name and its citations.

Env modules set ``family=FAMILY`` on their cards and quote the citation constants in their
``## Credits`` sections, so one project is cited one way across the family.
"""

from __future__ import annotations

FAMILY = "moma"

MOMALAND_CITATION = (
    "MOMAland: Felten, Ucak, Azmani et al., 'MOMAland: A Set of Benchmarks for "
    "Multi-Objective Multi-Agent Reinforcement Learning', arXiv:2407.16312 (2024); "
    "https://github.com/Farama-Foundation/momaland"
)
MO_GYMNASIUM_CITATION = (
    "MO-Gymnasium: Felten, Alegre, Nowe et al., 'A Toolkit for Reliable Benchmarking and "
    "Research in Multi-Objective Reinforcement Learning', NeurIPS 2023 Datasets and "
    "Benchmarks; https://github.com/Farama-Foundation/MO-Gymnasium"
)
INTERSECTIONZOO_CITATION = (
    "IntersectionZoo: Jayawardana, Freydt, Qu, Hickert, Yan, Wu, 'IntersectionZoo: Eco-driving for "
    "Benchmarking Multi-Agent Contextual Reinforcement Learning', ICLR 2025; "
    "https://github.com/mit-wu-lab/IntersectionZoo"
)
MORL_BASELINES_CITATION = (
    "MORL-Baselines: Felten, Alegre, Nowe et al., 'A Toolkit for Reliable Benchmarking and "
    "Research in Multi-Objective Reinforcement Learning', NeurIPS 2023 Datasets and "
    "Benchmarks; https://github.com/LucasAlegre/morl-baselines"
)
