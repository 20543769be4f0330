"""The Chess and Endgames expert: full-strength Stockfish reading the FEN from the observation.

The expert plays like a player at a board: it reads the current position from the observation's
last ``Position (FEN):`` line and never looks inside the env. It also remembers the positions of
the game so far (it knows its own moves and finds Black's reply by matching the next FEN), so the
engine sees the game's history and avoids drawing a won game by repetition. Its searches are
reproducible: one thread, tables cleared before each search, a node limit instead of a clock.

Against a bare king it switches to Stockfish's classical evaluation: Stockfish 15.1 always
evaluates positions of seven pieces or fewer with its network, which at a few tens of thousands
of nodes scores K+R against K as a plain material edge and wanders until the 50-move rule; the
classical evaluation's mating rule (drive the lone king to the edge, bring the own king close)
converts such endings in a few dozen moves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gymnasium as gym

from rlbench_suite.envs.language.chess_env import (
    UciEngine,
    fen_from_observation,
    find_stockfish,
    import_chess,
)

if TYPE_CHECKING:
    import chess

EXPERT_NODES = 50_000  # about 60 ms a move with Stockfish 15.1 on one core of a 2020s CPU


class StockfishExpert:
    """Stockfish at full strength with a node limit, answering each FEN in SAN.

    Args:
        env: the Chess or Endgames env (a ``gym.make`` result); only its ``stockfish_path``
            setting is read, to find the same engine binary.
        nodes: the node limit of each search.

    """

    def __init__(self, env: gym.Env, nodes: int = EXPERT_NODES) -> None:
        import_chess()
        if isinstance(nodes, bool) or not isinstance(nodes, int) or nodes < 1:
            raise ValueError(f"nodes must be a positive integer, got {nodes!r}")
        self.nodes = nodes
        path = find_stockfish(getattr(env.unwrapped, "stockfish_path", None))
        self.engine = UciEngine(path)
        # A second process, started only if a bare-king ending comes up (see the module doc).
        self.mating_engine = UciEngine(path, options={"Use NNUE": "false"})
        self._game: chess.Board | None = None  # the position last answered, with its history
        self._last_move: chess.Move | None = None

    def reset(self, seed: int | None = None) -> None:
        """Forget the last game (the expert has no randomness, so ``seed`` is unused)."""
        self._game = None
        self._last_move = None

    def act(self, observation: Any) -> str:
        """The engine's move for the observation's current position, in SAN."""
        import chess

        game = self._follow(fen_from_observation(str(observation)))
        bare_king = game.occupied_co[chess.BLACK] == game.kings & game.occupied_co[chess.BLACK]
        engine = self.mating_engine if bare_king else self.engine
        move = chess.Move.from_uci(engine.search(game, self.nodes).best_move)
        self._game, self._last_move = game, move
        return game.san(move)

    def _follow(self, fen: str) -> chess.Board:
        """``fen`` as a game: the remembered one extended by our move and Black's reply, if it fits.

        A new game, or one whose moves cannot be matched (say our move was refused), restarts the
        history at ``fen``.
        """
        import chess

        if self._game is not None and self._last_move is not None:
            if self._game.fen() == fen:
                return self._game  # our last move was refused; the position stands
            game = self._game.copy()
            game.push(self._last_move)
            for reply in list(game.legal_moves):
                game.push(reply)
                if game.fen() == fen:
                    return game
                game.pop()
        return chess.Board(fen)

    def close(self) -> None:
        """Stop the engine processes (they also stop when the agent is garbage collected)."""
        self.engine.close()
        self.mating_engine.close()


FACTORIES = {"stockfish_expert": StockfishExpert}
