"""What every trading env shares: the family name and its anchors' citations."""

from __future__ import annotations

FAMILY = "trading"

MBT_GYM = (
    "Jerome, Sanchez-Betancourt, Savani, Herdegen, Model-based gym environments for limit order "
    "book trading (mbt_gym), ICAIF 2022"
)
FINRL = (
    "Liu et al., FinRL: a deep reinforcement learning library for automated stock trading in "
    "quantitative finance, NeurIPS Deep RL Workshop 2020"
)
PGPORTFOLIO = (
    "Jiang, Xu, Liang, A deep reinforcement learning framework for the financial portfolio "
    "management problem, 2017"
)
SADIGHIAN = "Sadighian, Deep reinforcement learning in cryptocurrency market making, arXiv 2019"
CONT_STOIKOV_TALREJA = "Cont, Stoikov, Talreja, A stochastic model for order book dynamics, 2010"
