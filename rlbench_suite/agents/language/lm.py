"""Language-model agents: a protocol for ``transcript -> utterance`` and a Hugging Face adapter.

Any callable that maps the transcript so far to the next utterance is a
:class:`LanguageModelAgent`; the scoring harness accepts such callables directly
(``evaluate(my_model, "rlbench/Wordle-v0")``). :class:`HuggingFaceAgent` wraps a
``transformers`` causal LM (the optional ``lm`` extra) in the suite's Agent protocol, so it runs
wherever a reference agent does::

    from transformers import AutoModelForCausalLM, AutoTokenizer
    from rlbench_suite.scoring import evaluate

    model = AutoModelForCausalLM.from_pretrained("gpt2")
    agent = HuggingFaceAgent(model, AutoTokenizer.from_pretrained("gpt2"))
    evaluate(agent, "rlbench/Maze-v0", n_episodes=5)

The prompt is ``prompt_template.format(transcript=...)``; the default template ends the
transcript with the env's ``"\\n> "``, which is how every agent utterance starts in a transcript,
so a model fine-tuned on transcripts completes it with the next utterance. The utterance is the
first line of the completion, stripped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import torch

#: The transcript followed by the marker that opens an agent utterance.
DEFAULT_PROMPT_TEMPLATE = "{transcript}\n> "
#: Used when neither the model config nor the tokenizer states a context length.
FALLBACK_CONTEXT_LENGTH = 1024


@runtime_checkable
class LanguageModelAgent(Protocol):
    """Anything that reads the transcript so far and says the next utterance."""

    def __call__(self, transcript: str) -> str:
        """The next utterance for ``transcript``."""


def _import_torch() -> Any:
    try:
        import transformers  # noqa: F401  (checked first so the error names the extra)
    except ImportError as error:
        raise ImportError(
            f"HuggingFaceAgent needs transformers ({error}); "
            "install the optional extra with pip install 'rlbench-suite[lm]'"
        ) from None
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            f"HuggingFaceAgent needs PyTorch ({error}); install it with pip install torch "
            "(or pip install 'rlbench-suite[sb3]', which pins a version)"
        ) from None
    return torch


class HuggingFaceAgent:
    """A ``transformers`` causal LM as an agent: ``reset(seed)``, ``act(transcript) -> str``.

    Args:
        model: a causal LM (``AutoModelForCausalLM`` or any model with ``generate``).
        tokenizer: its tokenizer (a ``PreTrainedTokenizer(Fast)``).
        max_new_tokens: tokens generated per utterance.
        prompt_template: a ``str.format`` template with a ``{transcript}`` field.
        temperature: 0 (default) decodes greedily; above 0 samples at that temperature.
        seed: seeds sampling when ``reset`` gets no seed; ignored for greedy decoding.
        context_length: tokens the model reads; default from the model config
            (``max_position_embeddings`` or ``n_positions``), else the tokenizer's
            ``model_max_length``. The prompt keeps its last ``context_length - max_new_tokens``
            tokens, dropping the oldest part of the transcript.

    Sampling draws from a generator forked off PyTorch's global one and seeded from ``seed``
    and the turn number, so an episode's utterances are reproducible and the global random
    state is left as it was.

    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        max_new_tokens: int = 32,
        prompt_template: str = DEFAULT_PROMPT_TEMPLATE,
        temperature: float = 0.0,
        seed: int | None = None,
        context_length: int | None = None,
    ) -> None:
        self._torch = _import_torch()
        if int(max_new_tokens) != max_new_tokens or max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be a positive integer, got {max_new_tokens!r}")
        if "{transcript}" not in prompt_template:
            raise ValueError(
                f"prompt_template must contain a {{transcript}} field, got {prompt_template!r}"
            )
        if not temperature >= 0.0:
            raise ValueError(f"temperature must be 0 (greedy) or positive, got {temperature!r}")
        self.model = model
        self.tokenizer = tokenizer
        self.max_new_tokens = int(max_new_tokens)
        self.prompt_template = prompt_template
        self.temperature = float(temperature)
        self.seed = seed
        self.context_length = int(context_length or self._model_context_length())
        if self.context_length <= self.max_new_tokens:
            raise ValueError(
                f"context_length ({self.context_length}) must exceed max_new_tokens "
                f"({self.max_new_tokens}) to leave room for the prompt"
            )
        self._episode_seed = seed
        self._turn = 0

    def _model_context_length(self) -> int:
        config = getattr(self.model, "config", None)
        for name in ("max_position_embeddings", "n_positions", "n_ctx"):
            value = getattr(config, name, None)
            if isinstance(value, int) and value > 0:
                return value
        tokenizer_limit = getattr(self.tokenizer, "model_max_length", None)
        # Tokenizers without a limit report a huge sentinel (about 1e30) rather than None.
        if isinstance(tokenizer_limit, int) and 0 < tokenizer_limit < 1_000_000:
            return tokenizer_limit
        return FALLBACK_CONTEXT_LENGTH

    def reset(self, seed: int | None = None) -> None:
        """Start an episode; ``seed`` (else the constructor's) makes sampling reproducible."""
        self._episode_seed = self.seed if seed is None else seed
        self._turn = 0

    def prompt_ids(self, transcript: str) -> torch.Tensor:
        """The prompt's token ids, shape ``(1, length)``, cut from the front to fit the context."""
        prompt = self.prompt_template.format(transcript=transcript)
        ids = self.tokenizer(prompt, return_tensors="pt", add_special_tokens=False)["input_ids"]
        room = self.context_length - self.max_new_tokens
        return ids[:, -room:]

    def act(self, observation: str) -> str:
        """The first line of the model's completion of the prompt, stripped."""
        torch = self._torch
        device = getattr(self.model, "device", torch.device("cpu"))
        input_ids = self.prompt_ids(observation).to(device)
        pad_token_id = self.tokenizer.pad_token_id
        if pad_token_id is None:
            pad_token_id = self.tokenizer.eos_token_id
        sampling = self.temperature > 0.0
        options: dict[str, Any] = {
            "max_new_tokens": self.max_new_tokens,
            "do_sample": sampling,
            "pad_token_id": pad_token_id,
            "attention_mask": torch.ones_like(input_ids),
        }
        if sampling:
            options.update(temperature=self.temperature, top_k=0, top_p=1.0)
        else:
            # Greedy decoding; unset the sampling knobs a checkpoint's generation config may set,
            # which would otherwise make transformers warn that they are ignored.
            options.update(temperature=None, top_k=None, top_p=None)
        forked_devices = [device] if getattr(device, "type", "cpu") == "cuda" else []
        with torch.random.fork_rng(devices=forked_devices), torch.no_grad():
            if sampling:
                turn_seed = hash_seed(self._episode_seed, self._turn)
                torch.manual_seed(turn_seed)
            generated = self.model.generate(input_ids, **options)
        self._turn += 1
        completion = self.tokenizer.decode(
            generated[0, input_ids.shape[1] :], skip_special_tokens=True
        )
        return completion.split("\n", 1)[0].strip()

    def __call__(self, transcript: str) -> str:
        """Same as :meth:`act`, so the agent is also a :class:`LanguageModelAgent`."""
        return self.act(transcript)


def hash_seed(episode_seed: int | None, turn: int) -> int:
    """A 63-bit seed for ``turn`` of an episode; an unseeded episode draws fresh entropy.

    >>> hash_seed(7, 0) == hash_seed(7, 0) != hash_seed(7, 1)
    True
    """
    import numpy as np

    entropy = None if episode_seed is None else [int(episode_seed), int(turn)]
    return int(np.random.SeedSequence(entropy).generate_state(1, dtype=np.uint64)[0] >> 1)
