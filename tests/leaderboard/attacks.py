"""Attacks on the leaderboard, each a file an attacker could send and what the board must say.

Each :class:`Attack` builds, in a fresh folder, a submission (with any model files) from a
genuine one: the three-seed PPO CartPole submission shipped with the board, or a random
CartPole reference run. Payloads that would run code touch ``SENTINEL`` in that folder, so a
test can tell that nothing ran. ``tests/leaderboard/test_attacks.py`` submits each one to a
board and checks the refusal names the problem and leaves the board byte for byte as it was.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import pickle
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlbench_suite.leaderboard.submission import MAX_EPISODES, compute_digest, write_submission

SHIPPED_PPO = Path(__file__).resolve().parents[2] / "leaderboard/submissions/ppo.CartPole-v1"
SENTINEL = "PWNED"
ENV_ID = "rlbench/CartPole-v1"


class RunsCode:
    """Unpickling this calls ``os.system``: it would create the sentinel file."""

    def __init__(self, folder: Path) -> None:
        self.command = f"touch {folder / SENTINEL}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (self.command,))


def redigest(submission: dict[str, Any]) -> dict[str, Any]:
    """``submission`` with its digest recomputed, so only the intended flaw remains."""
    fixed = copy.deepcopy(submission)
    fixed.pop("digest", None)
    fixed["digest"] = compute_digest(fixed)
    return fixed


def copy_ppo(folder: Path) -> dict[str, Any]:
    """The shipped PPO CartPole submission and its models, copied into ``folder``."""
    for seed in (0, 1, 2):
        (folder / f"seed_{seed}").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHIPPED_PPO / f"seed_{seed}/model.zip", folder / f"seed_{seed}/model.zip")
    return json.loads((SHIPPED_PPO / "submission.json").read_text())


def rewrite_zip(path: Path, change: Callable[[dict[str, bytes]], None]) -> str:
    """Rewrite the zip at ``path`` with ``change`` applied to its members; the new sha256."""
    import hashlib

    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    change(members)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ppo_with_model(
    folder: Path, change: Callable[[dict[str, bytes]], None], name: str = "attack"
) -> Path:
    """The PPO submission with seed 0's model zip rewritten by ``change``, re-hashed."""
    submission = copy_ppo(folder)
    digest = rewrite_zip(folder / "seed_0/model.zip", change)
    submission["runs"][0]["model"]["sha256"] = digest
    submission["name"] = name
    return write_submission(redigest(submission), folder / "submission.json")


def ppo_with(folder: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """The PPO submission with ``change`` applied to its JSON, re-digested."""
    submission = copy_ppo(folder)
    submission["name"] = "attack"
    change(submission)
    return write_submission(redigest(submission), folder / "submission.json")


def with_data_entry(key: str, value: Any) -> Callable[[dict[str, bytes]], None]:
    """A zip change that sets ``data[key]`` to ``value``."""

    def change(members: dict[str, bytes]) -> None:
        data = json.loads(members["data"])
        data[key] = value
        members["data"] = json.dumps(data).encode()

    return change


def serialized(folder: Path) -> dict[str, str]:
    """An SB3 ``data`` entry whose cloudpickle payload would run code if decoded."""
    payload = base64.b64encode(pickle.dumps(RunsCode(folder))).decode()
    return {":type:": "<class 'builtins.object'>", ":serialized:": payload}


def pickled_weights(folder: Path) -> Callable[[dict[str, bytes]], None]:
    """A zip change replacing ``policy.pth`` with a pickle that would run code."""

    def change(members: dict[str, bytes]) -> None:
        members["policy.pth"] = pickle.dumps(RunsCode(folder))

    return change


def zip_bomb(member: str, size: int) -> Callable[[dict[str, bytes]], None]:
    """A zip change making ``member`` decompress to ``size`` zero bytes (a few KB packed)."""

    def change(members: dict[str, bytes]) -> None:
        members[member] = bytes(size)

    return change


def random_cartpole() -> dict[str, Any]:
    """A genuine random-agent CartPole submission: 3 seeds x 10 episodes."""
    from rlbench_suite.baselines.reference import reference_submission

    return reference_submission(ENV_ID, "random", seeds=(0, 1, 2), episodes=10, name="attack")


def reference_with(folder: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """The random CartPole submission with ``change`` applied, re-digested."""
    submission = random_cartpole()
    change(submission)
    return write_submission(redigest(submission), folder / "submission.json")


def set_returns(value: float) -> Callable[[dict[str, Any]], None]:
    """A change setting every return to ``value``."""

    def change(submission: dict[str, Any]) -> None:
        for run in submission["runs"]:
            run["returns"] = [value] * len(run["returns"])

    return change


def raw_file(folder: Path, text: str) -> Path:
    """A submission file holding exactly ``text``."""
    path = folder / "submission.json"
    path.write_text(text)
    return path


def symlink_to(target: str) -> Callable[[Path], Path]:
    """A submission that is a symbolic link to ``target``."""

    def build(folder: Path) -> Path:
        path = folder / "submission.json"
        path.symlink_to(target)
        return path

    return build


def fifo(folder: Path) -> Path:
    """A submission that is a named pipe (a reader would block forever)."""
    path = folder / "submission.json"
    os.mkfifo(path)
    return path


def model_symlink(folder: Path) -> Path:
    """The PPO submission whose seed-0 model is a link to a system file with its hash."""
    import hashlib

    submission = copy_ppo(folder)
    model = folder / "seed_0/model.zip"
    model.unlink()
    model.symlink_to("/etc/hostname")
    submission["runs"][0]["model"]["sha256"] = hashlib.sha256(model.read_bytes()).hexdigest()
    submission["name"] = "attack"
    return write_submission(redigest(submission), folder / "submission.json")


def sparse_model(folder: Path) -> Path:
    """The PPO submission whose seed-0 model is a 1 GB sparse file (nothing to read but size)."""
    submission = copy_ppo(folder)
    model = folder / "seed_0/model.zip"
    with model.open("r+b") as stream:
        stream.truncate(1 << 30)
    submission["name"] = "attack"
    return write_submission(redigest(submission), folder / "submission.json")


def many_episodes(submission: dict[str, Any]) -> None:
    """Three runs of 1,000 episodes: more than the board re-runs for one submission."""
    per_run = MAX_EPISODES // 3 + 100
    for run in submission["runs"]:
        run["episode_seeds"] = list(range(per_run))
        run["returns"] = [20.0] * per_run


@dataclass(frozen=True)
class Attack:
    """A hostile submission, the category it belongs to, and a fragment of its refusal."""

    name: str
    category: str
    build: Callable[[Path], Path]
    refusal: str


def _set_path(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(submission: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        target: Any = submission
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[last] = value

    return change


def _hyper(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return _set_path(f"algorithm/hyperparameters/hyperparameters/{key}", value)


ATTACKS: tuple[Attack, ...] = (
    # -- code execution through the model file
    Attack(
        "pickle payload in an extra 'data' entry",
        "code via model",
        lambda f: ppo_with_model(f, with_data_entry("evil", serialized(f))),
        "serialized object under 'evil'",
    ),
    Attack(
        "pickle payload as policy.pth",
        "code via model",
        lambda f: ppo_with_model(f, pickled_weights(f)),
        "not a plain tensor file",
    ),
    Attack(
        "custom policy class module",
        "code via model",
        lambda f: ppo_with_model(
            f, with_data_entry("policy_class", {**serialized(f), "__module__": "evil.policies"})
        ),
        "custom policy class",
    ),
    Attack(
        "model zip that is not a zip",
        "code via model",
        lambda f: ppo_with_model(f, lambda m: m.clear() or m.update({"x": b""})),
        "no 'data' inside",
    ),
    # -- code execution through fields
    Attack(
        "wrapper pydoc.pipepager with a shell command",
        "code via fields",
        lambda f: ppo_with(
            f,
            _set_path(
                "algorithm/hyperparameters/env_wrapper",
                [{"pydoc.pipepager": {"text": "x", "cmd": f"touch {f / SENTINEL}"}}],
            ),
        ),
        "unknown wrapper 'pydoc.pipepager'",
    ),
    Attack(
        "wrapper os.system",
        "code via fields",
        lambda f: ppo_with(
            f, _set_path("algorithm/hyperparameters/env_wrapper", [{"os.system": {}}])
        ),
        "unknown wrapper 'os.system'",
    ),
    Attack(
        "suite wrapper with a smuggled argument",
        "code via fields",
        lambda f: ppo_with(
            f,
            _set_path(
                "algorithm/hyperparameters/env_wrapper", [{"TopKBudget": {"env": "os.system"}}]
            ),
        ),
        "TopKBudget takes no argument 'env'",
    ),
    Attack(
        "features_extractor_class named in policy_kwargs",
        "code via fields",
        lambda f: ppo_with(f, _hyper("policy_kwargs", {"features_extractor_class": "os.system"})),
        "'features_extractor_class' is not allowed",
    ),
    Attack(
        "activation function builtins.eval",
        "code via fields",
        lambda f: ppo_with(f, _hyper("policy_kwargs", {"activation_fn": "builtins.eval"})),
        "activation_fn must be one of",
    ),
    Attack(
        "optimizer_kwargs smuggling a callable's name",
        "code via fields",
        lambda f: ppo_with(
            f, _hyper("policy_kwargs", {"optimizer_kwargs": {"foreach": "os.system"}})
        ),
        "optimizer_kwargs must map",
    ),
    Attack(
        "policy argument another algorithm's policy takes (n_critics on PPO)",
        "code via fields",
        lambda f: ppo_with(
            f,
            _hyper(
                "policy_kwargs", {"net_arch": [64, 64], "activation_fn": "tanh", "n_critics": 2}
            ),
        ),
        "n_critics not taken by ppo's ActorCriticPolicy",
    ),
    Attack(
        "net_arch of 16 layers of 4,096 units (4 GiB to build)",
        "resources",
        lambda f: ppo_with(f, _hyper("policy_kwargs", {"net_arch": [4096] * 16})),
        "net_arch must be a list of at most 16 layer sizes",
    ),
    Attack(
        "object where a scalar hyperparameter goes",
        "code via fields",
        lambda f: ppo_with(f, _hyper("rollout_buffer_class", {"module": "os", "name": "system"})),
        "rollout_buffer_class: expected a number",
    ),
    Attack(
        "policy class by name",
        "code via fields",
        lambda f: ppo_with(f, _set_path("algorithm/hyperparameters/policy", "evil.Policy")),
        "cannot be rebuilt",
    ),
    Attack(
        "unknown algorithm for an sb3 model",
        "code via fields",
        lambda f: ppo_with(f, _set_path("algorithm/name", "evil")),
        "'evil' is not one of",
    ),
    # -- resource exhaustion
    Attack(
        "zip bomb: 'data' unpacks to 200 MB",
        "resources",
        lambda f: ppo_with_model(f, zip_bomb("data", 200 * 1024 * 1024)),
        "unpacks to 209,715,200 bytes",
    ),
    Attack(
        "zip bomb: weights unpack to 100 MB",
        "resources",
        lambda f: ppo_with_model(f, zip_bomb("policy.pth", 100 * 1024 * 1024)),
        "unpacks to 104,857,600 bytes",
    ),
    Attack("1 GB sparse model file", "resources", sparse_model, "more than the"),
    Attack(
        "submission is a link to /dev/zero",
        "resources",
        symlink_to("/dev/zero"),
        "is a symbolic link",
    ),
    Attack("submission is a FIFO", "resources", fifo, "not a regular file"),
    Attack("model is a link to a system file", "resources", model_symlink, "symbolic link"),
    Attack(
        "6 MB submission",
        "resources",
        lambda f: raw_file(f, " " * (6 * 1024 * 1024) + "{}"),
        "more than the 5,242,880 allowed",
    ),
    Attack(
        "JSON nested 100,000 deep",
        "resources",
        lambda f: raw_file(f, "[" * 100_000 + "]" * 100_000),
        "nested deeper",
    ),
    Attack(
        "object nested 40 deep in hyperparameters",
        "resources",
        lambda f: reference_with(
            f, _set_path("algorithm/hyperparameters", json.loads('{"a":' * 40 + "1" + "}" * 40))
        ),
        "nested deeper",
    ),
    Attack(
        "3,000 episodes in one submission",
        "resources",
        lambda f: reference_with(f, many_episodes),
        "at most 2,000 are accepted",
    ),
    Attack(
        "25 runs in one submission",
        "resources",
        lambda f: reference_with(
            f, lambda s: s.update(runs=[{**s["runs"][0], "seed": i} for i in range(25)])
        ),
        "at most 20 are accepted",
    ),
    # -- impossible and fabricated returns
    Attack(
        "CartPole return of 12,000 (at most 500)",
        "returns",
        lambda f: reference_with(f, set_returns(12_000.0)),
        "outside what rlbench/CartPole-v1 can produce",
    ),
    Attack(
        "CartPole return of 0 (at least 1)",
        "returns",
        lambda f: reference_with(f, set_returns(0.0)),
        "outside what rlbench/CartPole-v1 can produce",
    ),
    Attack(
        "NaN return",
        "returns",
        lambda f: raw_file(
            f, json.dumps(random_cartpole()).replace('"returns": [', '"returns": [NaN, ', 1)
        ),
        "NaN is not a finite number",
    ),
    Attack(
        "return edited after digesting",
        "returns",
        lambda f: write_submission(_edited_after_digest(), f / "submission.json"),
        "does not match the content",
    ),
    Attack(
        "non-default env kwargs",
        "returns",
        lambda f: reference_with(f, _set_path("env/kwargs", {"max_episode_steps": 10_000})),
        "/env/kwargs: must be {}",
    ),
    # -- escapes
    Attack(
        "ANSI escape in the algorithm name",
        "escapes",
        lambda f: reference_with(f, _set_path("algorithm/name", "\x1b[2J\x1b[31mPPO")),
        "control or invisible character",
    ),
    Attack(
        "bidi override in the submitter",
        "escapes",
        lambda f: reference_with(f, lambda s: s.update(submitter={"name": "eve\u202egnp.exe"})),
        "control or invisible character",
    ),
    Attack(
        "carriage return in a version string",
        "escapes",
        lambda f: reference_with(f, _set_path("versions/numpy", "2.0\rrlbench 9.9")),
        "control or invisible character",
    ),
    Attack(
        "path trick in the name",
        "escapes",
        lambda f: reference_with(f, _set_path("name", "../../etc/passwd")),
        "/name",
    ),
    Attack(
        "model path naming the board's own record",
        "escapes",
        lambda f: ppo_with(f, _set_path("runs/0/model/path", "entry.json")),
        "/runs/0/model/path",
    ),
    Attack(
        "two runs sharing one model file",
        "escapes",
        lambda f: ppo_with(
            f, _set_path("runs/1/model", {"path": "seed_0/model.zip", "sha256": "0" * 64})
        ),
        "is another run's model",
    ),
    Attack(
        "model path leaving the folder",
        "escapes",
        lambda f: ppo_with(
            f, _set_path("runs/0/model", {"path": "seed_0/../../x.zip", "sha256": "0" * 64})
        ),
        "leaves the submission's folder",
    ),
)


def _edited_after_digest() -> dict[str, Any]:
    submission = random_cartpole()
    submission["runs"][0]["returns"][0] += 1.0
    return submission


def _relabel_seeds(submission: dict[str, Any], name: str) -> None:
    submission["name"] = name
    for run in submission["runs"]:
        run["seed"] += 100


def _reverse_episodes(submission: dict[str, Any], name: str) -> None:
    submission["name"] = name
    for run in submission["runs"]:
        run["returns"] = run["returns"][::-1]
        run["episode_seeds"] = run["episode_seeds"][::-1]


#: Duplicates: the genuine random submission, then the same returns dressed differently.
DUPLICATES: dict[str, Callable[[dict[str, Any]], None]] = {
    "renamed": lambda s: s.update(name="attack-renamed"),
    "new submitter": lambda s: s.update(name="attack-2", submitter={"name": "someone else"}),
    "wall clock changed": lambda s: s.update(
        name="attack-3", training={"timesteps": 0, "wall_clock_seconds": 1.0}
    ),
    "versions changed": lambda s: s.update(
        name="attack-4", versions={**s["versions"], "numpy": "0.0.1"}
    ),
    "seed labels changed": lambda s: _relabel_seeds(s, "attack-5"),
    "runs reordered": lambda s: s.update(name="attack-6", runs=s["runs"][::-1]),
    "episodes reordered": lambda s: _reverse_episodes(s, "attack-7"),
    "algorithm relabelled": lambda s: s.update(
        name="attack-8", algorithm={**s["algorithm"], "version": "9.9.9", "name": "mine"}
    ),
}


__all__ = ["ATTACKS", "DUPLICATES", "SENTINEL", "Attack", "random_cartpole", "redigest"]
