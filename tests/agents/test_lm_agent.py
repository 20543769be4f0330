"""HuggingFaceAgent: a tiny, randomly initialised causal LM plays whole language episodes."""

from __future__ import annotations

import os
import string
import sys
from collections.abc import Iterator

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # the tiny model and tokenizer are built here; never download

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers  # noqa: E402

from rlbench_suite.agents import Agent  # noqa: E402
from rlbench_suite.agents.language.lm import HuggingFaceAgent, LanguageModelAgent  # noqa: E402
from rlbench_suite.envs.language.base import printable  # noqa: E402
from rlbench_suite.testing import HiddenNumberEnv  # noqa: E402

CONTEXT_LENGTH = 64
MAZE = "rlbench/Maze-v0"


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Run each test on one PyTorch thread and restore the setting afterwards."""
    # A 32-wide model gains nothing from threads; on a busy 2-core runner two threads contend
    # and a generate() call slows down about thirtyfold.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tiny_model_and_tokenizer() -> tuple[object, object]:
    """A 1-layer GPT-2 with random weights and a character-level tokenizer, both built here."""
    alphabet = ["<eos>", "<unk>", *string.printable]
    characters = Tokenizer(
        models.WordLevel({token: index for index, token in enumerate(alphabet)}, unk_token="<unk>")
    )
    characters.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    characters.decoder = decoders.Fuse()  # join characters back without spaces between them
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=characters, eos_token="<eos>", pad_token="<eos>", unk_token="<unk>"
    )
    torch.manual_seed(0)
    config = transformers.GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=CONTEXT_LENGTH,
        n_embd=32,
        n_layer=1,
        n_head=2,
        bos_token_id=tokenizer.eos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    return transformers.GPT2LMHeadModel(config).eval(), tokenizer


def _play(agent: HuggingFaceAgent, seed: int) -> tuple[list[str], str, bool]:
    env = HiddenNumberEnv(max_turns=12)
    observation, _ = env.reset(seed=seed)
    agent.reset(seed=seed)
    actions: list[str] = []
    done = False
    while not done:
        action = agent.act(observation)
        actions.append(action)
        observation, _, terminated, truncated, _ = env.step(action)
        done = terminated or truncated
    return actions, env.transcript, done


def test_tiny_model_plays_a_whole_episode_and_its_text_is_recorded(
    tiny_model_and_tokenizer: tuple[object, object],
) -> None:
    """Each utterance is one stripped line, shows up in the transcript, and the episode ends."""
    model, tokenizer = tiny_model_and_tokenizer
    agent = HuggingFaceAgent(model, tokenizer, max_new_tokens=8, temperature=1.0, seed=0)
    assert isinstance(agent, Agent) and isinstance(agent, LanguageModelAgent)
    actions, transcript, done = _play(agent, seed=5)
    assert done and 1 <= len(actions) <= HiddenNumberEnv(max_turns=12).max_turns
    assert any(actions), "sampling at temperature 1 should say something"
    position = 0
    for action in actions:
        assert isinstance(action, str) and "\n" not in action and action == action.strip()
        position = transcript.index(f"\n> {printable(action)}\n", position) + 1


def test_seeded_sampling_repeats_and_greedy_ignores_the_seed(
    tiny_model_and_tokenizer: tuple[object, object],
) -> None:
    """The same episode seed gives the same utterances; greedy decoding gives them for any seed."""
    model, tokenizer = tiny_model_and_tokenizer
    sampler = HuggingFaceAgent(model, tokenizer, max_new_tokens=6, temperature=1.0)
    assert _play(sampler, seed=2)[0] == _play(sampler, seed=2)[0]
    greedy = HuggingFaceAgent(model, tokenizer, max_new_tokens=6)
    greedy.reset(seed=1)
    first = greedy.act("I am thinking of a number.")
    greedy.reset(seed=99)
    assert greedy.act("I am thinking of a number.") == first
    assert greedy("I am thinking of a number.") == first


def test_long_transcripts_are_cut_from_the_front_to_fit_the_context(
    tiny_model_and_tokenizer: tuple[object, object],
) -> None:
    """A transcript far longer than the context keeps only its latest tokens in the prompt."""
    model, tokenizer = tiny_model_and_tokenizer
    agent = HuggingFaceAgent(model, tokenizer, max_new_tokens=8)
    assert agent.context_length == CONTEXT_LENGTH
    transcript = "Start." + "\n> guess 1\nHigher." * 200 + "\n> guess 4\nLower."
    ids = agent.prompt_ids(transcript)
    assert ids.shape[1] == CONTEXT_LENGTH - 8
    assert tokenizer.decode(ids[0]).endswith("\n> guess 4\nLower.\n> ")
    assert isinstance(agent.act(transcript), str)


def test_bad_arguments_and_a_missing_extra_get_clear_errors(
    tiny_model_and_tokenizer: tuple[object, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bad settings name the argument; without transformers the error names the `lm` extra."""
    model, tokenizer = tiny_model_and_tokenizer
    with pytest.raises(ValueError, match="max_new_tokens must be a positive integer, got 0"):
        HuggingFaceAgent(model, tokenizer, max_new_tokens=0)
    with pytest.raises(ValueError, match=r"must contain a \{transcript\} field"):
        HuggingFaceAgent(model, tokenizer, prompt_template="Say something:")
    with pytest.raises(ValueError, match=r"temperature must be 0 \(greedy\) or positive, got -1"):
        HuggingFaceAgent(model, tokenizer, temperature=-1.0)
    with pytest.raises(ValueError, match=r"context_length \(8\) must exceed max_new_tokens"):
        HuggingFaceAgent(model, tokenizer, max_new_tokens=8, context_length=8)
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "transformers", None)
        with pytest.raises(ImportError, match=r"needs transformers .*rlbench-suite\[lm\]"):
            HuggingFaceAgent(model, tokenizer)
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "torch", None)
        with pytest.raises(ImportError, match=r"needs PyTorch .*pip install torch"):
            HuggingFaceAgent(model, tokenizer)


def _maze_or_skip() -> str:
    import rlbench_suite

    if MAZE not in rlbench_suite.list_envs(family="language"):
        pytest.skip(f"{MAZE} is not registered")
    return MAZE


def test_greedy_tiny_model_plays_a_whole_maze_episode_and_pays_for_invalid_text(
    tiny_model_and_tokenizer: tuple[object, object],
) -> None:
    """A full Maze episode ends; its utterances are strings; each invalid one costs Maze's -4."""
    import gymnasium as gym

    model, tokenizer = tiny_model_and_tokenizer
    agent = HuggingFaceAgent(model, tokenizer, max_new_tokens=8)
    env = gym.make(_maze_or_skip())
    observation, info = env.reset(seed=0)
    agent.reset(seed=0)
    terminated = truncated = False
    invalid_steps = 0
    while not (terminated or truncated):
        action = agent(observation)
        assert isinstance(action, str) and "\n" not in action and action == action.strip()
        observation, reward, terminated, truncated, info = env.step(action)
        # The 100th move also carries Maze's -1 failure reward.
        failure = -1.0 if truncated else 0.0
        if info["invalid_action"]:
            invalid_steps += 1
            assert reward == -4.0 + failure
            assert f"Invalid action {action!r}" in observation.rsplit("\n> ", 1)[-1]
        else:
            assert reward in (-1.0 + failure, 0.0)
    assert info["turns"] == 100 or info["success"]
    assert info["invalid_actions"] == invalid_steps > 0  # random weights seldom say a move


def test_the_scoring_harness_runs_the_agent_on_maze(
    tiny_model_and_tokenizer: tuple[object, object],
) -> None:
    """evaluate() plays Maze with a sampling LM agent to the end; its babble is mostly invalid."""
    from rlbench_suite.scoring import evaluate

    model, tokenizer = tiny_model_and_tokenizer
    agent = HuggingFaceAgent(model, tokenizer, max_new_tokens=4, temperature=1.0)
    (record,) = evaluate(agent, _maze_or_skip(), seeds=[0], env_kwargs={"max_moves": 20}).records
    assert record.length == 20 and record.metrics["invalid_actions"] > 10
