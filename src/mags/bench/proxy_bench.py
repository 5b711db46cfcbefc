"""`mags proxy-bench`: LoCoMo conversations replayed through `mags proxy` as chats.

Each speaker of each conversation is a user who chats with an "assistant" that answers
with what the other speaker said next (the bench's upstream, the project's
OpenAI-compatible test server, answers at once with the reply the request carries). The
client is an unchanged OpenAI app: every request carries the whole chat so far. Measured:

* **added latency**: each request is sent straight to the upstream and then through the
  proxy (a separate `mags proxy` process), ``--users`` chats at once; the difference is
  what the proxy adds (memory write, recall, rewriting, the extra hop);
* **tokens sent upstream** at conversation turns 100 / 300 / 600 against the whole
  history the client sent;
* **evidence in the memory block**: after the replay, each question of the conversation
  is asked as its first speaker (``X-Mags-Remember: off``), and the share of its evidence
  turns whose text lies inside the block the upstream received, against the same share in
  `Memory.recall` over the conversation at the same budget (what `mags eval locomo`
  measures, with the proxy's memory settings: chat rules, no dense channel).

Example
-------
>>> from mags.eval.locomo import Conversation, Turn
>>> turns = tuple(Turn(f"D1:{i}", "AB"[i % 2], f"t{i}", None, 1) for i in range(5))
>>> chats = speaker_chats(Conversation("c", ("A", "B"), turns, ()))
>>> for chat in chats:
...     print(chat.user, [(r.turn, r.text, r.reply) for r in chat.requests])
c-A [(0, 't0', 't1'), (2, 't2', 't3'), (4, 't4', '')]
c-B [(1, 't1', 't2'), (3, 't3', 't4')]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from mags.config import MemoryConfig
from mags.core.errors import InvalidInputError
from mags.core.schema import chat_schema
from mags.eval.locomo import Conversation, load_locomo
from mags.eval.locomo_eval import Evidence, percentile
from mags.extract.chat_rules import ChatRuleExtractor
from mags.llm.testserver import ChatServer, Reply, Request
from mags.memory import Memory
from mags.proxy.context import MEMORY_OPEN
from mags.proxy.serving import wait_for_extraction
from mags.search.tokens import TokenCounter

TOKEN_TURNS = (100, 300, 600)
ADMIN = "proxy-bench"
MAIN = "from mags.cli import main; raise SystemExit(main())"


@dataclass(frozen=True)
class ChatRequest:
    """One request of a speaker's chat: the conversation ``turn`` it starts at, the
    speaker's ``text``, and ``reply``: what the other speaker said until the next turn."""

    turn: int
    text: str
    reply: str
    when: str | None


@dataclass(frozen=True)
class SpeakerChat:
    """A speaker's side of a conversation as a chat with an assistant."""

    user: str
    speaker: str
    requests: tuple[ChatRequest, ...]


def speaker_chats(conversation: Conversation) -> list[SpeakerChat]:
    """Both speakers' chats (turns before a speaker's first one are not in its chat)."""
    turns = conversation.turns
    chats = []
    for speaker in conversation.speakers:
        requests = []
        for i, turn in enumerate(turns):
            if turn.speaker != speaker:
                continue
            replies = []
            for later in turns[i + 1 :]:
                if later.speaker == speaker:
                    break
                replies.append(later.text)
            requests.append(ChatRequest(i, turn.text, "\n".join(replies), turn.when))
        chats.append(SpeakerChat(f"{conversation.sample_id}-{speaker}", speaker, tuple(requests)))
    return chats


@dataclass
class Recorded:
    """What the bench's upstream saw of the proxy's requests, by request id."""

    sent: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def respond(self, request: Request) -> Reply:
        body = request.body
        if body.get("mags_bench_via") == "proxy":
            contents = [str(m.get("content") or "") for m in body.get("messages", [])]
            with self.lock:
                self.sent[str(body.get("mags_bench_id"))] = contents
        return Reply.text(str(body.get("mags_bench_reply") or "ok"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def proxy_process(upstream: str, data: Path, budget: int, keep_turns: int) -> Iterator[str]:
    """`mags proxy` in its own process; yields its root URL."""
    port = _free_port()
    args = ["proxy", "--upstream", upstream, "--data", str(data), "--port", str(port)]
    args += ["--budget", str(budget), "--keep-turns", str(keep_turns), "--admin-token", ADMIN]
    process = subprocess.Popen(
        [sys.executable, "-c", MAIN, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise InvalidInputError("mags proxy exited while starting")
            try:
                httpx.get(f"{root}/v1/models", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise InvalidInputError("mags proxy did not start within 60 s") from None
                time.sleep(0.1)
        yield root
    finally:
        process.terminate()
        process.wait(10)


@dataclass
class Timings:
    direct_ms: list[float] = field(default_factory=list)
    proxy_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    full_tokens: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _replay(chat: SpeakerChat, upstream: str, root: str, timings: Timings, log: Any) -> None:
    count = TokenCounter()
    history: list[dict[str, str]] = []
    full = 0
    with httpx.Client(timeout=60) as client:
        for k, request in enumerate(chat.requests):
            history.append({"role": "user", "name": chat.speaker, "content": request.text})
            full += count(request.text)
            rid = f"{chat.user}#{k}"
            body: dict[str, Any] = {
                "model": "bench",
                "user": chat.user,
                "messages": history,
                "mags_bench_reply": request.reply,
                "mags_bench_id": rid,
            }
            headers = {"X-Mags-When": request.when} if request.when else {}
            started = time.perf_counter()
            direct = client.post(
                f"{upstream}/chat/completions", json={**body, "mags_bench_via": "direct"}
            )
            middle = time.perf_counter()
            proxied = client.post(
                f"{root}/v1/chat/completions",
                json={**body, "mags_bench_via": "proxy"},
                headers=headers,
            )
            ended = time.perf_counter()
            with timings.lock:
                timings.direct_ms.append(1000 * (middle - started))
                timings.proxy_ms.append(1000 * (ended - middle))
                timings.full_tokens[rid] = full
                for name, answer in (("direct", direct), ("proxy", proxied)):
                    if answer.status_code != 200:
                        timings.errors.append(f"{rid} {name}: HTTP {answer.status_code}")
                note = proxied.headers.get("x-mags-memory", "")
                if proxied.status_code == 200 and not note.startswith("on"):
                    timings.errors.append(f"{rid}: the memory was not used ({note})")
            if request.reply:
                history.append({"role": "assistant", "content": request.reply})
                full += count(request.reply)
    log(f"proxy-bench: {chat.user}: {len(chat.requests)} requests replayed")


def run_proxy_bench(
    conversations: Sequence[Conversation],
    *,
    users: int = 8,
    budget: int = 600,
    keep_turns: int = 6,
    log: Any = print,
) -> dict[str, Any]:
    """Replay, measure and return the figures as a JSON-able dict (see the module)."""
    recorded = Recorded()
    timings = Timings()
    chats = [c for conv in conversations for c in speaker_chats(conv)]
    count = TokenCounter()
    with (
        tempfile.TemporaryDirectory() as tmp,
        ChatServer(respond=recorded.respond) as upstream,
        proxy_process(upstream.url, Path(tmp), budget, keep_turns) as root,
    ):
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=users) as pool:
            for future in [
                pool.submit(_replay, c, upstream.url, root, timings, log) for c in chats
            ]:
                future.result()
        replay_s = time.perf_counter() - started
        wait_for_extraction(root, ADMIN, timeout_s=60)
        evidence = _evidence(conversations, root, recorded, budget)
    added = [p - d for p, d in zip(timings.proxy_ms, timings.direct_ms, strict=True)]
    tokens = []
    for turn in TOKEN_TURNS:
        pairs = []
        for chat in chats:  # each chat's first request at or after the turn
            for k, request in enumerate(chat.requests):
                rid = f"{chat.user}#{k}"
                if request.turn >= turn and rid in recorded.sent:
                    sent = sum(count(c) for c in recorded.sent[rid])
                    pairs.append((sent, timings.full_tokens[rid]))
                    break
        if pairs:
            sent_mean = sum(p[0] for p in pairs) / len(pairs)
            full_mean = sum(p[1] for p in pairs) / len(pairs)
            tokens.append(
                {
                    "turn": turn,
                    "chats": len(pairs),
                    "sent": round(sent_mean),
                    "full_history": round(full_mean),
                    "share": sent_mean / full_mean if full_mean else 0.0,
                }
            )
    return {
        "conversations": [c.sample_id for c in conversations],
        "chats": len(chats),
        "users_at_once": users,
        "budget": budget,
        "keep_turns": keep_turns,
        "requests": len(timings.proxy_ms),
        "errors": len(timings.errors),
        "error_samples": timings.errors[:5],
        "replay_s": replay_s,
        "direct_ms": _quantiles(timings.direct_ms),
        "proxy_ms": _quantiles(timings.proxy_ms),
        "added_ms": _quantiles(added),
        "tokens": tokens,
        "evidence": evidence,
    }


def _quantiles(values: list[float]) -> dict[str, float]:
    return {"p50": percentile(values, 0.5), "p95": percentile(values, 0.95)}


def _evidence(
    conversations: Sequence[Conversation], root: str, recorded: Recorded, budget: int
) -> dict[str, Any]:
    """Evidence inside the proxy's memory block against `Memory.recall` at ``budget``."""
    proxy_hits: list[float] = []
    recall_hits: list[float] = []
    with httpx.Client(timeout=60) as client, tempfile.TemporaryDirectory() as tmp:
        for conv in conversations:
            texts = {turn.source: turn.text for turn in conv.turns}
            user = speaker_chats(conv)[0].user
            last_when = next((t.when for t in reversed(conv.turns) if t.when), None)
            memory = Memory.open(
                Path(tmp) / f"{conv.sample_id}.db",
                MemoryConfig.for_chat(),
                schema=chat_schema(),
                extractor=ChatRuleExtractor(),
            )
            for i, turn in enumerate(conv.turns):
                memory.observe_turn(
                    turn.text, t=i, speaker=turn.speaker, when=turn.when, source=turn.source
                )
            for q, (question, ids) in enumerate(Evidence.of(conv).usable):
                rid = f"q:{conv.sample_id}:{q}"
                headers = {"X-Mags-Remember": "off"}
                if last_when:
                    headers["X-Mags-When"] = last_when
                client.post(
                    f"{root}/v1/chat/completions",
                    headers=headers,
                    json={
                        "model": "bench",
                        "user": user,
                        "messages": [{"role": "user", "content": question.question}],
                        "mags_bench_id": rid,
                        "mags_bench_via": "proxy",
                    },
                )
                block = next((c for c in recorded.sent.get(rid, []) if MEMORY_OPEN in c), "")
                packed = memory.recall(question.question, len(conv.turns), budget).text
                proxy_hits.append(sum(texts[e] in block for e in ids) / len(ids))
                recall_hits.append(sum(texts[e] in packed for e in ids) / len(ids))
            memory.close()
    n = len(proxy_hits)
    return {
        "questions": n,
        "proxy_block": sum(proxy_hits) / n if n else 0.0,
        "memory_recall": sum(recall_hits) / n if n else 0.0,
    }


def render(result: dict[str, Any]) -> str:
    """The figures as Markdown tables."""
    lat = [
        "| calls | direct p50 / p95 (ms) | via the proxy p50 / p95 | added p50 / p95 | errors |",
        "|---:|---|---|---|---:|",
        f"| {result['requests']} | {result['direct_ms']['p50']:.1f} / "
        f"{result['direct_ms']['p95']:.1f} | {result['proxy_ms']['p50']:.1f} / "
        f"{result['proxy_ms']['p95']:.1f} | {result['added_ms']['p50']:.1f} / "
        f"{result['added_ms']['p95']:.1f} | {result['errors']} |",
    ]
    tok = [
        "| conversation turn | chats | tokens sent upstream | full history | share |",
        "|---:|---:|---:|---:|---:|",
        *(
            f"| {r['turn']} | {r['chats']} | {r['sent']} | {r['full_history']} | "
            f"{100 * r['share']:.1f}% |"
            for r in result["tokens"]
        ),
    ]
    ev = result["evidence"]
    evi = [
        "| questions | evidence in the proxy's block | in `Memory.recall`, same budget |",
        "|---:|---:|---:|",
        f"| {ev['questions']} | {ev['proxy_block']:.3f} | {ev['memory_recall']:.3f} |",
    ]
    head = (
        f"{result['chats']} chats ({', '.join(result['conversations'])}), "
        f"{result['users_at_once']} at once, budget {result['budget']} tokens, "
        f"keep {result['keep_turns']} turns; replay {result['replay_s']:.0f} s"
    )
    return "\n".join([head, "", *lat, "", *tok, "", *evi])


def add_proxy_bench_command(commands: Any) -> None:
    """Register ``proxy-bench`` on the `mags` parser's subcommands."""
    bench = commands.add_parser(
        "proxy-bench",
        help="replay LoCoMo conversations through mags proxy: latency, tokens, evidence",
        description=__doc__.split("Example")[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    bench.add_argument("--data", required=True, help="a LoCoMo JSON file")
    bench.add_argument("--conversations", help="comma-separated sample ids (default: all)")
    bench.add_argument("--users", type=int, default=8, help="chats at once (%(default)s)")
    bench.add_argument("--budget", type=int, default=600, help="memory block (%(default)s)")
    bench.add_argument("--keep-turns", type=int, default=6, help="(%(default)s)")
    bench.add_argument("--out", help="also write summary.md and results.json here")
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")
    bench.set_defaults(run=run_from_cli)


def run_from_cli(args: argparse.Namespace) -> int:
    conversations = load_locomo(args.data)
    if args.conversations:
        wanted = args.conversations.split(",")
        conversations = [c for c in conversations if c.sample_id in wanted]
        if not conversations:
            raise InvalidInputError(f"no conversation named {args.conversations} in {args.data}")
    if args.users < 1:
        raise InvalidInputError("--users must be at least 1")
    result = run_proxy_bench(
        conversations,
        users=args.users,
        budget=args.budget,
        keep_turns=args.keep_turns,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    text = render(result)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps(result, indent=1))
        command = " ".join(["mags", "proxy-bench", *sys.argv[2:]])
        (out / "summary.md").write_text(f"# mags proxy-bench\n\n`{command}`\n\n{text}\n")
    print(json.dumps(result, indent=1) if args.json else text)
    return 0
