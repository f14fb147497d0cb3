"""Meaning beyond shared words: dense text vectors, when a model is installed locally.

Any object with ``encode(texts) -> ndarray`` (one row per text) is an :class:`Encoder`. Feidi
ships no model and downloads none; :class:`StaticEmbedding` reads a *static* word-embedding
model from a local directory — a vector per token, a text's vector the mean of its tokens'
(the model2vec idea, distilled from a sentence transformer, fast on a CPU):

* ``vocab.txt`` (one token per line) and ``embeddings.npy`` (tokens × dimensions), or
* ``model.npz`` holding the arrays ``vocab`` and ``embeddings``, or
* model2vec's own layout: ``tokenizer.json`` (its ``model.vocab``) and ``model.safetensors``
  (the ``embeddings`` tensor), read without the ``tokenizers`` or ``safetensors`` packages.

Texts are cut with jieba's dictionary (:class:`~feidi.match._segment.Segmenter`); a word the
vocabulary lacks is matched piece by piece, longest known prefix first (as WordPiece does; for
a character-level Chinese vocabulary this is exactly one token per character). For model2vec's
subword vocabularies this only approximates its own tokenizer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from scipy import sparse

from feidi.match._segment import Segmenter

__all__ = ["Encoder", "StaticEmbedding", "load_encoder"]

F32 = npt.NDArray[np.float32]


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into vectors: ``encode(texts)`` returns an array of ``len(texts)`` rows."""

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.floating]: ...


class ModelError(ValueError):
    """A model directory that cannot be read; the message names the file and the problem."""


_SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64}


class StaticEmbedding:
    """A static embedding model read from ``path`` (see the module's formats).

    ``digest`` is the SHA-256 of the files read, so a stored run can name the exact model.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "vocab.txt").write_text("电池\\n储能\\n纺织\\n", encoding="utf-8")
    >>> np.save(d / "embeddings.npy", np.array([[1, 0], [0.9, 0.1], [0, 1]], dtype=np.float32))
    >>> model = StaticEmbedding(d)
    >>> v = model.encode(["电池储能", "纺织"])
    >>> round(float(v[0] @ v[1]), 2)
    0.05
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        vocab, matrix, files = _read_model(self.path)
        if matrix.ndim != 2 or matrix.shape[0] != len(vocab):
            raise ModelError(
                f"{self.path.name}: {len(vocab)} tokens but a matrix of shape {matrix.shape}"
            )
        self.vocab: dict[str, int] = {}
        for i, token in enumerate(vocab):
            self.vocab.setdefault(token, i)
        self.matrix = matrix.astype(np.float32)
        self.longest = max((len(t) for t in self.vocab), default=1)
        digest = hashlib.sha256()
        for f in files:
            digest.update(f.read_bytes())
        self.digest = digest.hexdigest()
        self._segmenter = Segmenter()

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    def pieces(self, word: str) -> list[int]:
        """Vocabulary ids of one word: the word itself, else its longest known pieces."""
        found = self.vocab.get(word)
        if found is not None:
            return [found]
        out: list[int] = []
        at = 0
        while at < len(word):
            for end in range(min(len(word), at + self.longest), at, -1):
                piece = word[at:end]
                found = self.vocab.get(piece)
                if found is None and at > 0:
                    found = self.vocab.get("##" + piece)  # WordPiece's continuation pieces
                if found is not None:
                    out.append(found)
                    at = end
                    break
            else:
                at += 1  # a character the model does not know
        return out

    def encode(self, texts: Sequence[str]) -> F32:
        """One unit-length vector per text (zeros for a text with no known token)."""
        seg = self._segmenter.segment(texts)
        vocab = self._segmenter.vocabulary(seg)
        pieces = [self.pieces(w) for w in vocab.words]
        # Each token's pieces, laid out flat with the text each belongs to.
        per_word = np.array([len(p) for p in pieces], dtype=np.int64)
        flat = np.array([i for p in pieces for i in p], dtype=np.int64)
        word_start = np.concatenate([[0], np.cumsum(per_word)])[:-1]
        counts = per_word[vocab.ids]
        positions = np.repeat(word_start[vocab.ids] - np.cumsum(counts) + counts, counts)
        positions += np.arange(counts.sum())
        piece_ids = flat[positions]
        text_of_piece = np.repeat(seg.doc, counts)
        # Mean of the pieces' vectors: a (texts × vocabulary) count matrix times the model.
        counts_matrix = sparse.csr_matrix(
            (np.ones(len(piece_ids), dtype=np.float32), (text_of_piece, piece_ids)),
            shape=(len(texts), len(self.matrix)),
        )
        out = np.asarray(counts_matrix @ self.matrix, dtype=np.float32)
        # The mean and the sum point the same way: unit length is all that is kept.
        return _unit(out)


def _unit(vectors: npt.NDArray[np.floating]) -> F32:
    v = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    out: F32 = np.divide(v, norms, out=np.zeros_like(v), where=norms > 0)
    return out


def load_encoder(path: str | Path) -> StaticEmbedding:
    """The model at ``path``, refusing a missing or unreadable one with :class:`ModelError`."""
    return StaticEmbedding(path)


def _read_model(path: Path) -> tuple[list[str], npt.NDArray[np.floating], list[Path]]:
    if not path.is_dir():
        raise ModelError(f"no model directory {path.name}")
    try:
        if (path / "model.npz").is_file():
            with np.load(path / "model.npz", allow_pickle=False) as data:
                return [str(t) for t in data["vocab"]], data["embeddings"], [path / "model.npz"]
        if (path / "vocab.txt").is_file() and (path / "embeddings.npy").is_file():
            vocab = (path / "vocab.txt").read_text("utf-8").splitlines()
            matrix = np.load(path / "embeddings.npy", allow_pickle=False)
            return vocab, matrix, [path / "vocab.txt", path / "embeddings.npy"]
        if (path / "tokenizer.json").is_file() and (path / "model.safetensors").is_file():
            return _read_model2vec(path)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{path.name}: cannot read the model ({exc})") from exc
    raise ModelError(
        f"{path.name}: expected vocab.txt + embeddings.npy, model.npz, or model2vec's"
        " tokenizer.json + model.safetensors"
    )


def _read_model2vec(path: Path) -> tuple[list[str], npt.NDArray[np.floating], list[Path]]:
    tokenizer = json.loads((path / "tokenizer.json").read_text("utf-8"))
    ids: dict[str, int] = tokenizer["model"]["vocab"]
    if isinstance(ids, list):  # a Unigram model lists [token, score] pairs
        ids = {str(pair[0]): i for i, pair in enumerate(ids)}
    vocab = [""] * (max(ids.values()) + 1)
    for token, i in ids.items():
        vocab[i] = token
    raw = (path / "model.safetensors").read_bytes()
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    name = (
        "embeddings" if "embeddings" in header else next(k for k in header if k != "__metadata__")
    )
    info = header[name]
    start, end = info["data_offsets"]
    dtype = _SAFETENSORS_DTYPES[info["dtype"]]
    matrix = np.frombuffer(raw[8 + size + start : 8 + size + end], dtype=dtype)
    return (
        vocab,
        matrix.reshape(info["shape"]),
        [path / "tokenizer.json", path / "model.safetensors"],
    )
