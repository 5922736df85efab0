"""The deep checklist (opt-in): MiniLM-L6 reads each passage whole and says what it is about.

The word lists and the support model find what is said in so many words; a risky post written
without any of them ("he won't be smiling after tonight, I know where he parks") gets no
finding. The deep checklist (``[checklist] deep = true``, or ``selfwatch lint --deep``) runs
the sentence encoder all-MiniLM-L6-v2 (Apache-2.0) over each passage of up to 128 word pieces
and one logistic head per risk category over its mean vector. A head sure of a passage adds a
``<category>.deep`` finding at warning, only where the rules found nothing of that category.

Needs ``pip install 'selfwatch[deep]'`` (numpy and tokenizers). The weights ship in the
package, quantised to one byte each with a scale per row (``data/minilm.npz``, about 22 MB),
with the tokenizer (``data/minilm-tokenizer.json``); ``scripts/build_deep.py`` writes both and
trains the heads (``data/deep.json``). Costs: ~0.3 s to load, ~5-15 ms a post on one core.

Each finding shows its evidence: the passage's probability against the head's threshold, and
the words whose removal lowers it most (each passage is read again without each word).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..model import Level
from .classifier import Prediction
from .engine import DEEP_PREFIX as PREFIX
from .load import Rule, default_authors
from .tokens import sentence_bounds

DATA = Path(__file__).parent / "data"
WEIGHTS = DATA / "minilm.npz"
TOKENIZER = DATA / "minilm-tokenizer.json"
HEADS = DATA / "deep.json"
MAX_PIECES = 128
"""Word pieces MiniLM reads at once (with [CLS] and [SEP]); longer texts are read in passages."""
WINDOW = 64
"""Word pieces of a passage of a long text (see ``DeepModel.passages``)."""
HEADS_N = 12
EPS = 1e-12
UNREAD: frozenset[str] = frozenset()
"""Heads that add no finding. The hate head trains on the functional hate suite's development
parts too, their non-hateful cases ("I don't hate ...", praise of a group, quoted and denounced
hate) as negatives: left out, a mean vector read "I don't hate ..." as hate (4 of 12 on fresh9)."""
MIN_WORDS = 4
"""Words a passage needs (handles and links aside) to be read: "PREACH???" or "did the shirt go
hard" give a sentence encoder too little to go on (every risky training post has five or more)."""
EVIDENCE_WORDS = 40
"""Words of the strongest passage read again one by one for the evidence; the rest are not."""
_PUNCT = ".,!?;:()\"'"
_HANDLE = re.compile(r"(?<![\w@])@[\w.]+(?:@[\w.-]+)?")
_LINK = re.compile(r"\bhttps?://\S+|\bwww\.\S+")
INSTALL = "the deep checklist needs numpy and tokenizers: pip install 'selfwatch[deep]'"

READS_LIKE = {
    "politics": "an extreme political post (hostility to opponents, calls to act against them)",
    "religion": "contempt for a religion or its believers",
    "employer": "the posts about work that employers hold against people (turning on the job, "
    "faking or skipping work)",
    "hate": "hate against a group of people",
    "harassment": "abuse or a threat aimed at a person",
    "violence": "a threat or a boast of violence",
    "profanity": "heavy swearing or an obscene insult",
    "sexual": "sexual content",
    "substance": "a post about your own drinking or drug use",
    "confidential": "you sharing your employer's or clients' confidential information",
    "personal_data": "someone's private details made public",
}
"""What each head's finding says a passage reads like."""
SUGGESTION = (
    "A learned reading, not a listed phrase: re-read the passage as a recruiter would, and "
    "if it reads this way to you too, rephrase it or keep it off public profiles."
)


def _numpy() -> Any:
    try:
        import numpy
    except ImportError as exc:
        raise ConfigError(INSTALL) from exc
    return numpy


def quantise(weights: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``weights`` with every matrix as int8 rows and a float32 scale per row.

    A matrix ``m`` becomes ``m.q`` (int8) and ``m.s`` (float32, one per row): row ``i`` is
    ``q[i] * s[i]``, within half a step (1/254 of the row's largest value). Vectors (biases,
    layer norms) stay float32. Used by scripts/build_deep.py.
    """
    np = _numpy()
    out: dict[str, Any] = {}
    for name, w in weights.items():
        if name.endswith("position_ids"):
            continue
        w = np.asarray(w, dtype=np.float32)
        if w.ndim == 2 and w.shape[0] > 2:
            scale = np.abs(w).max(axis=1) / 127.0
            scale[scale == 0] = 1.0
            out[name + ".q"] = np.round(w / scale[:, None]).astype(np.int8)
            out[name + ".s"] = scale.astype(np.float32)
        else:
            out[name] = w
    return out


class Encoder:
    """The MiniLM-L6 encoder in numpy: token ids in, contextual vectors (384 per token) out.

    ``weights`` are float32 arrays by BERT name, or the int8 rows of :func:`quantise`
    (``name.q`` and ``name.s``); the word embeddings stay int8 and only the rows a text uses
    are expanded.
    """

    def __init__(self, weights: Mapping[str, Any], tokenizer: Any) -> None:
        np = self.np = _numpy()
        self.embed_q = weights.get("embeddings.word_embeddings.weight.q")
        self.embed_s = weights.get("embeddings.word_embeddings.weight.s")
        self.w: dict[str, Any] = {}
        for name in weights:
            if name.startswith("embeddings.word_embeddings"):
                if not name.endswith((".q", ".s")):
                    self.w[name] = np.asarray(weights[name], dtype=np.float32)
            elif name.endswith(".q"):
                base = name[:-2]
                self.w[base] = weights[name].astype(np.float32) * weights[base + ".s"][:, None]
            elif not name.endswith(".s"):
                self.w[name] = np.asarray(weights[name], dtype=np.float32)
        # x @ W.T for every dense layer: transposed once here, not at every call
        for name in [n for n in self.w if n.endswith("dense.weight") or ".self." in n]:
            if name.endswith(".weight"):
                self.w[name] = np.ascontiguousarray(self.w[name].T)
        self.tokenizer = tokenizer
        self.layers = sum(1 for k in self.w if k.endswith("attention.self.query.weight"))

    @classmethod
    def packaged(cls) -> Encoder:
        """Return the encoder of the weights and tokenizer shipped in the package."""
        np = _numpy()
        try:
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ConfigError(INSTALL) from exc
        with np.load(WEIGHTS) as data:
            weights = {name: data[name] for name in data.files}
        return cls(weights, load_tokenizer(Tokenizer.from_file(str(TOKENIZER))))

    def _words(self, ids: Any) -> Any:
        if self.embed_q is None or self.embed_s is None:
            return self.w["embeddings.word_embeddings.weight"][ids]
        return self.embed_q[ids].astype(self.np.float32) * self.embed_s[ids][..., None]

    def _ln(self, x: Any, name: str) -> Any:
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / self.np.sqrt(var + EPS) * self.w[name + ".weight"] + self.w[
            name + ".bias"
        ]

    def _dense(self, x: Any, name: str) -> Any:
        return x @ self.w[name + ".weight"] + self.w[name + ".bias"]

    def _gelu(self, h: Any) -> Any:
        """GELU, tanh form: numpy has no erf (the heads are trained on this encoder's output).
        ``h * h * h``, not ``h**3``: numpy's float32 power took 45 % of a post's time."""
        return 0.5 * h * (1.0 + self.np.tanh(0.7978845608028654 * (h + 0.044715 * h * h * h)))

    def forward(self, ids: Any) -> Any:
        """Return the last hidden states for a (batch, length) array of ids, no padding."""
        np, w = self.np, self.w
        batch, length = ids.shape
        x = self._words(ids) + w["embeddings.position_embeddings.weight"][:length]
        x = self._ln(x + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
        dim = x.shape[-1]
        size = dim // HEADS_N
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def split(t: Any) -> Any:
                return t.reshape(batch, length, HEADS_N, size).transpose(0, 2, 1, 3)

            q = split(self._dense(x, p + "attention.self.query"))
            k = split(self._dense(x, p + "attention.self.key"))
            v = split(self._dense(x, p + "attention.self.value"))
            att = q @ k.transpose(0, 1, 3, 2) / np.sqrt(size)
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(batch, length, dim)
            x = self._ln(
                x + self._dense(ctx, p + "attention.output.dense"), p + "attention.output.LayerNorm"
            )
            h = self._gelu(self._dense(x, p + "intermediate.dense"))
            x = self._ln(x + self._dense(h, p + "output.dense"), p + "output.LayerNorm")
        return x

    def embed(self, texts: Sequence[str], batch: int = 64) -> Any:
        """Return the normalised mean vector of each text (its first 128 word pieces)."""
        return self.embed_ids([e.ids for e in self.tokenizer.encode_batch(list(texts))], batch)

    def embed_ids(self, ids: Sequence[Sequence[int]], batch: int = 64) -> Any:
        """Return the normalised mean vector of each row of word-piece ids."""
        np = self.np
        out = np.zeros((len(ids), 384), dtype=np.float32)
        for rows, chunk in _by_length(ids, batch):
            out[rows] = self.forward(np.asarray(chunk)).mean(1)
        out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-9
        return out


def normalise(text: str) -> str:
    """Return ``text`` as the heads read it: every @handle as "@someone", every link as "link".

    A handle's word pieces are noise with meanings of their own ("@yoshinosgrave" read as
    harassment); the heads learn from who is addressed, not what they are called.
    """
    return _LINK.sub("link", _HANDLE.sub("@someone", text))


def _words_in(passage: str) -> int:
    """Return how many words ``passage`` has, handles and links aside."""
    return sum(1 for w in normalise(passage).split() if w not in ("@someone", "link"))


def load_tokenizer(tokenizer: Any) -> Any:
    """Return ``tokenizer`` set to read at most ``MAX_PIECES`` pieces and never pad."""
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_PIECES)
    return tokenizer


def _by_length(ids: Sequence[Sequence[int]], batch: int) -> Iterator[tuple[list[int], list[Any]]]:
    """Yield (indexes, id rows) batches of rows of equal length, so no padding is needed."""
    groups: dict[int, list[int]] = {}
    for i, row in enumerate(ids):
        groups.setdefault(len(row), []).append(i)
    for rows in groups.values():
        for s in range(0, len(rows), batch):
            chunk = rows[s : s + batch]
            yield chunk, [list(ids[i]) for i in chunk]


@dataclass(frozen=True)
class Head:
    """One category's logistic head over the mean vector, and the probability that flags."""

    category: str
    weights: tuple[float, ...]
    bias: float
    threshold: float


class DeepModel:
    """The encoder and the heads: scores and explained predictions for a text's passages."""

    def __init__(self, encoder: Encoder, heads: Sequence[Head]) -> None:
        np = encoder.np
        self.encoder = encoder
        self.heads = tuple(heads)
        self.matrix = np.asarray([h.weights for h in heads], dtype=np.float32).T
        self.bias = np.asarray([h.bias for h in heads], dtype=np.float32)
        self._memo: tuple[str, Any] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # To a worker process as a name: it loads the packaged model itself (45 MB of
        # weights are not worth pickling, and a worker may never need them)
        return (load, ())

    def rules(self) -> list[Rule]:
        """Return one warning rule per head, ``<category>.deep``, read by the engine."""
        return [
            Rule(
                id=f"{h.category}.deep",
                category=h.category,
                level=Level.WARNING,
                message=f"Reads like {READS_LIKE[h.category]}, even without a listed phrase.",
                suggestion=SUGGESTION,
                negation="drop",
                model=PREFIX + h.category,
                threshold=h.threshold,
                authors=default_authors(h.category),
                source="deep",
            )
            for h in self.heads
            if h.category not in UNREAD
        ]

    def passages(self, text: str) -> list[tuple[int, int, list[int]]]:
        """Return the passages of ``text`` the heads read: (start, end, word-piece ids) each.

        A text of at most ``MAX_PIECES`` pieces is one passage, read whole, as the heads were
        trained. A longer one is read from each sentence on, as many whole sentences as fit in
        ``WINDOW`` pieces (a post's length): one risky sentence among many ordinary ones would
        be lost in a long passage's mean. Each sentence starts one passage: linear in length.
        """
        tokenizer = self.encoder.tokenizer
        ends = sentence_bounds(text)
        starts = [0, *ends[:-1]]
        sentences = [normalise(text[a:b]) for a, b in zip(starts, ends, strict=True)]
        pieces = [enc.ids for enc in tokenizer.encode_batch(sentences)]
        cls, sep = pieces[0][0], pieces[0][-1]
        inner = [ids[1:-1] for ids in pieces]
        if sum(map(len, inner)) <= MAX_PIECES - 2:
            return [(0, len(text), [cls, *(i for ids in inner for i in ids), sep])]
        out: list[tuple[int, int, list[int]]] = []
        for first in range(len(inner)):
            body = list(inner[first][: WINDOW - 2])
            last = first
            while last + 1 < len(inner) and len(body) + len(inner[last + 1]) <= WINDOW - 2:
                last += 1
                body += inner[last]
            out.append((starts[first], ends[last], [cls, *body, sep]))
        return out

    def _probabilities(self, text: str) -> tuple[list[tuple[int, int, list[int]]], Any]:
        if self._memo is not None and self._memo[0] == text:
            return self._memo[1]  # type: ignore[no-any-return]
        np = self.encoder.np
        passages = self.passages(text)
        vectors = self.encoder.embed_ids([ids for _, _, ids in passages])
        probs = 1.0 / (1.0 + np.exp(-(vectors @ self.matrix + self.bias)))
        for row, (a, b, _) in enumerate(passages):
            if _words_in(text[a:b]) < MIN_WORDS:
                probs[row] = 0.0
        self._memo = (text, (passages, probs))
        return passages, probs

    def scores(self, text: str) -> dict[str, float]:
        """Return ``deep.<category>``: the highest probability of any passage of ``text``."""
        _, probs = self._probabilities(text)
        top = probs.max(axis=0)
        return {PREFIX + h.category: float(top[i]) for i, h in enumerate(self.heads)}

    def predict(self, text: str) -> dict[str, Prediction]:
        """Return each head's prediction, with the words of its strongest passage that raise
        it most as features (``word:<word>``: the drop in probability without the word)."""
        passages, probs = self._probabilities(text)
        out: dict[str, Prediction] = {}
        for i, h in enumerate(self.heads):
            best = int(probs[:, i].argmax())
            p = float(probs[best, i])
            features: tuple[tuple[str, float], ...] = ()
            if p >= h.threshold:
                a, b, _ = passages[best]
                features = self._evidence(text[a:b], i, p)
            out[PREFIX + h.category] = Prediction(PREFIX + h.category, p, features)
        return out

    def _evidence(self, passage: str, head: int, p: float) -> tuple[tuple[str, float], ...]:
        """Return the words of ``passage`` whose removal lowers head ``head`` most, strongest
        first (at most three, each lowering it)."""
        np = self.encoder.np
        words = normalise(passage).split()[:EVIDENCE_WORDS]
        if len(words) < 2:
            return tuple((f"word:{w.strip(_PUNCT).lower()}", p) for w in words)
        variants = [" ".join(words[:j] + words[j + 1 :]) for j in range(len(words))]
        vectors = self.encoder.embed(variants)
        without = 1.0 / (1.0 + np.exp(-(vectors @ self.matrix[:, head] + self.bias[head])))
        drops = sorted(((p - float(q), j) for j, q in enumerate(without)), reverse=True)
        return tuple(
            (f"word:{words[j].strip(_PUNCT).lower()}", round(d, 3)) for d, j in drops[:3] if d > 0
        )


def read_heads(path: Path = HEADS) -> list[Head]:
    """Return the heads written by scripts/build_deep.py."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        Head(name, tuple(head["weights"]), float(head["bias"]), float(head["threshold"]))
        for name, head in data["heads"].items()
    ]


_LOADED: DeepModel | None = None


def load() -> DeepModel:
    """Return the packaged deep model, loaded once per process."""
    global _LOADED
    if _LOADED is None:
        _LOADED = DeepModel(Encoder.packaged(), read_heads())
    return _LOADED
