"""Where a training step's device time goes: a torch.profiler window over one optimizer step.

The GPU bench profiles one step after its timed ones (profiling slows the step it watches, so
it never overlaps the timing) and groups kernel time into matrix multiplies, attention,
4-bit dequantisation, dropout, the loss, the optimizer and the rest, so that the bench can say what
limited tokens/s, not only how many there were.
"""

from __future__ import annotations

import re
from typing import Any

# first match wins; names are CUDA kernel or aten op names, lower-cased
CATEGORIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("dequantize_4bit", re.compile(r"dequant|kdequantize|bitsandbytes|bnb|nf4")),
    ("attention", re.compile(r"flash|fmha|attention|sdpa|softmax_warp|efficient_attn|flex")),
    ("dropout", re.compile(r"dropout|bernoulli")),
    ("loss", re.compile(r"cross_entropy|log_softmax|nll_loss|logsoftmax")),
    ("optimizer", re.compile(r"adam|optimizer|multi_tensor|foreach|8bit_blockwise")),
    (
        "matmul",
        re.compile(
            r"gemm|matmul|\bmm\b|aten::mm|aten::addmm|aten::bmm|cutlass|sm90|nvjet|cublas|ampere_bf16|linear"
        ),
    ),
    ("copy_cast", re.compile(r"copy|cast|to_copy|contiguous|cat\b|aten::cat")),
    ("norm_activation", re.compile(r"rms|norm|silu|gelu|swiglu|mul|add|rsqrt|pow|mean")),
)


def category(name: str) -> str:
    """The bucket a kernel or op name belongs to.

    >>> category("void gemm_kernel<cutlass::bfloat16>")
    'matmul'
    >>> category("kDequantizeBlockwise<__nv_bfloat16, 512, 64, 8, 2>")
    'dequantize_4bit'
    >>> category("pytorch_flash::flash_bwd_kernel")
    'attention'
    >>> category("vectorized_elementwise_kernel<rsqrt>")
    'norm_activation'
    >>> category("something_else")
    'other'
    """
    lowered = name.lower()
    for label, pattern in CATEGORIES:
        if pattern.search(lowered):
            return label
    return "other"


def _device_time(event: Any) -> float:
    for attr in ("self_device_time_total", "self_cuda_time_total"):
        value = getattr(event, attr, None)
        if value:
            return float(value)
    return 0.0


def summarise(events: Any, on_device: bool, top: int = 15) -> dict[str, Any]:
    """Top kernels (or CPU ops) by self time in ms, and the share of time per category."""
    rows = []
    for event in events:
        micros = _device_time(event) if on_device else float(event.self_cpu_time_total or 0.0)
        if micros > 0:
            rows.append((micros, event.key, int(event.count)))
    rows.sort(reverse=True)
    total = sum(m for m, _, _ in rows) or 1.0
    shares: dict[str, float] = {}
    for micros, name, _ in rows:
        label = category(name)
        shares[label] = shares.get(label, 0.0) + micros / total
    return {
        "clock": "device" if on_device else "cpu",
        "total_ms": round(total / 1000, 1),
        "share_by_category": {
            k: round(v, 3) for k, v in sorted(shares.items(), key=lambda kv: -kv[1])
        },
        "top": [
            {"name": name[:120], "ms": round(micros / 1000, 2), "calls": count}
            for micros, name, count in rows[:top]
        ],
    }


def profile_callback(start_after: int) -> Any:
    """A TrainerCallback that profiles optimizer step ``start_after + 1``; ``.result`` after."""
    import torch
    from transformers import TrainerCallback

    class StepProfiler(TrainerCallback):
        def __init__(self) -> None:
            self.profiler: Any = None
            self.result: dict[str, Any] | None = None
            self.error: str | None = None

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            try:
                if state.global_step == start_after:
                    self._start()
                elif self.profiler is not None and state.global_step == start_after + 1:
                    self._stop()
            except Exception as exc:  # a profiler failure must not fail the arm
                self.error = f"{type(exc).__name__}: {exc}"
                self.profiler = None

        def _start(self) -> None:
            activities = [torch.profiler.ProfilerActivity.CPU]
            if torch.cuda.is_available():
                activities.append(torch.profiler.ProfilerActivity.CUDA)
            self.profiler = torch.profiler.profile(activities=activities)
            self.profiler.__enter__()

        def _stop(self) -> None:
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            self.profiler.__exit__(None, None, None)
            events = self.profiler.key_averages()
            self.result = summarise(events, on_device=torch.cuda.is_available())
            self.profiler = None

        def report(self) -> dict[str, Any]:
            if self.result is not None:
                return {"profile": self.result}
            return {"profile_error": self.error or "the profiled step did not run"}

    return StepProfiler()
