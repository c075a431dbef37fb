"""The Jinja sandbox every template renders in, with limits on time, loops and size.

Jinja's own sandbox stops templates from reaching Python internals; this one
also stops a template from running for ever or filling memory:

- every ``{% for %}`` loop (of any iterable) and ``range()`` counts against one
  budget of items per render (limits.MAX_LOOP_ITEMS), and the clock is checked
  while counting, so ``range(100000)`` inside ``range(100000)`` ends in a second
  or two with an error instead of running for hours;
- ``range()`` of more than 100,000 items, ``"x" * n`` or ``[…] * n`` longer than
  limits.MAX_REPEAT, huge powers, and ``center``/``indent``/``wordwrap``/
  ``format``… widths past limits.MAX_REPEAT are refused before they allocate;
- the text a template produces is counted as it is produced (limits.MAX_RENDER_MB);
- a render takes at most limits.MAX_RENDER_SECONDS.

A limit reached raises :class:`TemplateLimitError` (a Jinja runtime error) whose
message says which limit, in Chinese.  ``RecursionError`` (a macro calling
itself) becomes one too.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Template, nodes
from jinja2.exceptions import TemplateRuntimeError
from jinja2.sandbox import SandboxedEnvironment

from dangan.forms import limits

ITER_GUARD = "__dangan_loop"
_WIDTH_FILTERS = ("center", "indent", "wordwrap", "truncate", "format", "batch", "slice", "filesizeformat")


class TemplateLimitError(TemplateRuntimeError):
    """A template went past one of the limits (message in Chinese)."""


@dataclass
class Budget:
    """What one render may still spend."""

    items: int = limits.MAX_LOOP_ITEMS
    chars: int = limits.MAX_RENDER_MB * 1024 * 1024
    deadline: float = field(default_factory=lambda: time.monotonic() + limits.MAX_RENDER_SECONDS)
    _ticks: int = 0

    def spend_items(self, n: int = 1) -> None:
        self.items -= n
        if self.items < 0:
            raise TemplateLimitError(f"模板里的循环超过 {limits.MAX_LOOP_ITEMS:,} 次的上限（是否有嵌套的大循环？）")
        self._ticks += n
        if self._ticks >= 1000:
            self._ticks = 0
            self.check_time()

    def spend_chars(self, n: int) -> None:
        self.chars -= n
        if self.chars < 0:
            raise TemplateLimitError(f"模板生成的内容超过 {limits.MAX_RENDER_MB} MB 的上限")

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateLimitError(f"模板渲染超过 {limits.MAX_RENDER_SECONDS:g} 秒的上限（是否有死循环？）")


_BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("dangan_template_budget", default=None)


def _budget() -> Budget:
    budget = _BUDGET.get()
    if budget is None:  # a template used outside render(): give it a budget of its own
        budget = Budget()
        _BUDGET.set(budget)
    return budget


def _guarded(iterable: Iterable[Any]) -> Iterator[Any]:
    budget = _budget()
    for item in iterable:
        budget.spend_items()
        yield item


def _range(*args: int) -> Iterator[int]:
    rng = range(*args)
    if len(rng) > limits.MAX_LOOP_ITEMS:
        raise TemplateLimitError(f"range() 最多 {limits.MAX_LOOP_ITEMS:,} 项，模板要求 {len(rng):,} 项")
    return _guarded(rng)


def _check_width(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def checked(*args: Any, **kwargs: Any) -> Any:
        for a in (*args[1:], *kwargs.values()):
            if isinstance(a, int) and not isinstance(a, bool) and abs(a) > limits.MAX_REPEAT:
                raise TemplateLimitError(f"过滤器 {name} 的参数 {a:,} 超过 {limits.MAX_REPEAT:,} 的上限")
        return fn(*args, **kwargs)

    for attr in ("jinja_pass_arg",):  # keep Jinja's pass_context / pass_environment marks
        if hasattr(fn, attr):
            setattr(checked, attr, getattr(fn, attr))
    return checked


class LimitedTemplate(Template):
    """A template whose render runs on a fresh budget and counts what it writes."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        ctx = self.new_context(dict(*args, **kwargs))
        budget = Budget()
        token = _BUDGET.set(budget)
        try:
            out: list[str] = []
            for chunk in self.root_render_func(ctx):
                budget.spend_chars(len(chunk))
                budget.check_time()
                out.append(chunk)
            return "".join(out)
        except TemplateLimitError:
            raise
        except RecursionError as e:
            raise TemplateLimitError("模板里的宏调用层数过多（宏是否调用了自己？）") from e
        except MemoryError as e:
            raise TemplateLimitError("模板生成的内容太大，内存不足") from e
        except Exception:
            self.environment.handle_exception()
        finally:
            _BUDGET.reset(token)


class FormSandbox(SandboxedEnvironment):
    """The sandbox of dangan's templates: Jinja's, plus the limits above."""

    template_class = LimitedTemplate
    intercepted_binops = frozenset(["*", "**"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals["range"] = _range
        self.globals[ITER_GUARD] = _guarded
        self.globals.pop("lipsum", None)  # lipsum(n) writes as much text as asked
        for name in _WIDTH_FILTERS:
            if name in self.filters:
                self.filters[name] = _check_width(name, self.filters[name])

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Every ``{% for x in it %}`` becomes ``{% for x in __dangan_loop(it) %}`` (counted)."""
        tree = super()._parse(source, name, filename)
        for loop in list(tree.find_all(nodes.For)):
            guard = nodes.Call(nodes.Name(ITER_GUARD, "load"), [loop.iter], [], None, None)
            guard.set_lineno(loop.lineno)
            guard.set_environment(self)
            loop.iter = guard
        return tree

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _budget().spend_items()
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(n, int) and len(seq) * n > limits.MAX_REPEAT:
                    raise TemplateLimitError(f"模板里重复的内容超过 {limits.MAX_REPEAT:,} 的上限")
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
            if right * abs(left).bit_length() > 10_000:
                raise TemplateLimitError("模板里的乘方结果太大")
        return super().call_binop(context, operator, left, right)
