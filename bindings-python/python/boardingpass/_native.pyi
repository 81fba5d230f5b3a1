"""Types of the native module (`bindings-python/src`). `tests/test_typing.py`
runs mypy's stubtest against the built module, so this file cannot drift."""

import datetime
import os
import pathlib
from typing import Any, Awaitable, Callable, Coroutine, Dict, List, Literal, Mapping, Optional, Sequence, Tuple, Union, final

__version__: str
CLAIM_STATUSES: List[str]
PHASES: List[str]
MODULE_KINDS: List[str]
__all__ = [
    "__version__",
    "CLAIM_STATUSES",
    "PHASES",
    "MODULE_KINDS",
    "Client",
    "BoardingPass",
    "Worker",
    "Policy",
    "Secret",
    "Deployment",
    "BundleInfo",
    "BundledPackage",
    "Evidence",
    "ClaimOutcome",
    "TeardownReport",
    "ClaimTicket",
    "ClaimWatcher",
    "ProgressEvent",
    "ProgressStream",
    "Toolbox",
    "ClaimLink",
    "Emulator",
    "operations_in_flight",
]

# BEGIN stubgen names
_ClaimStatusName = Literal[
    "pending",
    "claimed",
    "expired",
    "revoked",
    "claimed_or_revoked",
]
_PhaseName = Literal[
    "bundle",
    "challenge",
    "proof_of_work",
    "create_account",
    "hashing",
    "upload_session",
    "uploading",
    "upload_script",
    "enable_subdomain",
    "verifying",
    "teardown",
]
_ModuleKindName = Literal[
    "es_module",
    "commonjs",
    "service_worker",
    "text",
    "data",
    "wasm",
    "json",
    "source_map",
    "python",
    "python_requirement",
]
# END stubgen names
_JsonValue = Union[None, bool, int, float, str, List["_JsonValue"], Dict[str, "_JsonValue"]]
_StrPath = Union[str, "os.PathLike[str]"]
_Progress = Union[Callable[["ProgressEvent"], object], "ProgressStream"]

def operations_in_flight() -> int: ...

@final
class Secret:
    """A credential: redacted `repr`/`str`, no pickling or copying; `expose()` returns the value."""

    def expose(self) -> str: ...
    @property
    def fingerprint(self) -> str: ...
    def __format__(self, spec: str, /) -> str: ...
    def __reduce__(self) -> None: ...  # type: ignore[override]
    def __reduce_ex__(self, protocol: int, /) -> None: ...  # type: ignore[override]
    def __getstate__(self) -> None: ...
    def __copy__(self) -> None: ...
    def __deepcopy__(self, memo: Any, /) -> None: ...

@final
class Policy:
    # BEGIN stubgen policy
    def __new__(
        cls,
        *,
        allowed_binding_types: Optional[Sequence[str]] = None,
        allowed_job_classes: Optional[Sequence[str]] = None,
        max_asset_file_size: Optional[int] = None,
        max_asset_files: Optional[int] = None,
        max_deploys_per_pass: Optional[int] = None,
        max_worker_size: Optional[int] = None,
        require_claim_owner: bool = True,
        require_verification: bool = True,
        worker_name_pattern: Optional[str] = None,
    ) -> Policy: ...
    # END stubgen policy
    @staticmethod
    def example() -> Policy: ...
    @staticmethod
    def permissive() -> Policy: ...
    @staticmethod
    def from_toml(text: str) -> Policy: ...
    @staticmethod
    def from_json(text: str) -> Policy: ...
    @staticmethod
    def from_file(path: _StrPath) -> Policy: ...
    def to_dict(self) -> Dict[str, Any]: ...

@final
class Worker:
    def __new__(
        cls,
        name: str,
        *,
        compatibility_date: Optional[str] = None,
        compatibility_flags: Optional[Sequence[str]] = None,
    ) -> Worker: ...
    @staticmethod
    def from_source(
        name: str,
        source: str,
        *,
        file_name: str = "index.js",
        compatibility_date: Optional[str] = None,
        compatibility_flags: Optional[Sequence[str]] = None,
    ) -> Worker: ...
    @staticmethod
    def from_path(
        path: _StrPath,
        *,
        name: Optional[str] = None,
        compatibility_date: Optional[str] = None,
        compatibility_flags: Optional[Sequence[str]] = None,
    ) -> Worker: ...
    def module(
        self, name: str, content: Union[str, bytes], *, kind: Optional[_ModuleKindName] = None, main: bool = False
    ) -> Worker: ...
    def var(self, name: str, text: str) -> Worker: ...
    def json_var(self, name: str, value: _JsonValue) -> Worker: ...
    def secret(self, name: str, value: Union[str, Secret]) -> Worker: ...
    def assets(
        self,
        directory: _StrPath,
        *,
        binding: Optional[str] = None,
        html_handling: Optional[str] = None,
        not_found_handling: Optional[str] = None,
        run_worker_first: Union[bool, Sequence[str], None] = None,
    ) -> Worker: ...
    def compatibility(self, *, date: Optional[str] = None, flags: Optional[Sequence[str]] = None) -> Worker: ...
    def validate(self, *, max_script_size: Optional[int] = None) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def main_module(self) -> Optional[str]: ...
    @property
    def modules(self) -> List[Tuple[str, _ModuleKindName]]: ...
    @property
    def bindings(self) -> List[Tuple[str, str]]: ...
    @property
    def compatibility_date(self) -> str: ...
    @property
    def compatibility_flags(self) -> List[str]: ...
    @property
    def assets_directory(self) -> Optional[pathlib.Path]: ...
    @property
    def content_digest(self) -> str: ...
    @property
    def script_size(self) -> int: ...

@final
class ProgressEvent:
    @property
    def phase(self) -> _PhaseName: ...
    @property
    def done(self) -> int: ...
    @property
    def total(self) -> int: ...
    def to_dict(self) -> Dict[str, Any]: ...

@final
class ProgressStream:
    """Pass as `progress=` to one operation, then `async for event in stream`."""

    def __new__(cls) -> ProgressStream: ...
    def __aiter__(self) -> ProgressStream: ...
    def __anext__(self) -> Coroutine[Any, Any, ProgressEvent]: ...

@final
class Deployment:
    @property
    def worker_name(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def workers_dev_url(self) -> str: ...
    @property
    def version_id(self) -> str: ...
    @property
    def startup_time_ms(self) -> Optional[int]: ...
    @property
    def redeploy(self) -> bool: ...
    @property
    def content_digest(self) -> str: ...
    @property
    def assets_digest(self) -> Optional[str]: ...
    @property
    def assets_total(self) -> int: ...
    @property
    def assets_uploaded(self) -> int: ...
    @property
    def deployed_at(self) -> datetime.datetime: ...
    @property
    def duration_ms(self) -> int: ...
    @property
    def bundle(self) -> Optional[BundleInfo]: ...
    def to_dict(self) -> Dict[str, Any]: ...

@final
class BundleInfo:
    @property
    def bundler(self) -> str: ...
    @property
    def digest(self) -> str: ...
    @property
    def packages(self) -> List[BundledPackage]: ...
    def to_dict(self) -> Dict[str, Any]: ...

@final
class BundledPackage:
    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    def to_dict(self) -> Dict[str, Any]: ...

@final
class Evidence:
    @property
    def url(self) -> str: ...
    @property
    def worker_name(self) -> str: ...
    @property
    def version_id(self) -> str: ...
    @property
    def passed(self) -> bool: ...
    @property
    def status(self) -> Optional[int]: ...
    @property
    def latency_ms(self) -> int: ...
    @property
    def body_sha256(self) -> Optional[str]: ...
    @property
    def body_prefix(self) -> Optional[str]: ...
    @property
    def content_type(self) -> Optional[str]: ...
    @property
    def attempts(self) -> int: ...
    @property
    def checked_at(self) -> datetime.datetime: ...
    @property
    def failures(self) -> List[str]: ...
    def to_dict(self) -> Dict[str, Any]: ...

@final
class ClaimOutcome:
    @property
    def status(self) -> _ClaimStatusName: ...
    @property
    def confirmed(self) -> bool: ...
    @property
    def timed_out(self) -> bool: ...
    @property
    def observed_at(self) -> datetime.datetime: ...
    @property
    def changed_at(self) -> Optional[datetime.datetime]: ...
    @property
    def detail(self) -> str: ...
    def to_dict(self) -> Dict[str, Any]: ...

@final
class TeardownReport:
    @property
    def deleted_workers(self) -> List[str]: ...
    @property
    def token_revoked(self) -> bool: ...
    @property
    def revocation_note(self) -> Optional[str]: ...
    def to_dict(self) -> Dict[str, Any]: ...

@final
class ClaimTicket:
    @property
    def status(self) -> _ClaimStatusName: ...
    @property
    def run_id(self) -> str: ...
    @property
    def job_id(self) -> Optional[str]: ...
    @property
    def includes_claim_url(self) -> bool: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def to_json(self, *, indent: Optional[int] = None) -> str: ...
    def to_markdown(self) -> str: ...

@final
class ClaimWatcher:
    """`async for outcome in watcher` or `for outcome in watcher`."""

    def __aiter__(self) -> ClaimWatcher: ...
    def __anext__(self) -> Coroutine[Any, Any, ClaimOutcome]: ...
    def __iter__(self) -> ClaimWatcher: ...
    def __next__(self) -> ClaimOutcome: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...

@final
class BoardingPass:
    @property
    def account_id(self) -> str: ...
    @property
    def account_name(self) -> str: ...
    @property
    def account_type(self) -> Optional[str]: ...
    @property
    def token_id(self) -> Optional[str]: ...
    @property
    def owner(self) -> Optional[str]: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def expires_at(self) -> datetime.datetime: ...
    @property
    def claim_expires_at(self) -> datetime.datetime: ...
    @property
    def time_left(self) -> datetime.timedelta: ...
    @property
    def is_expired(self) -> bool: ...
    @property
    def is_revoked(self) -> bool: ...
    @property
    def token_fingerprint(self) -> str: ...
    @property
    def claim_fingerprint(self) -> str: ...
    @property
    def api_token(self) -> Secret: ...
    @property
    def claim_url(self) -> Secret: ...
    @property
    def deployments(self) -> List[Deployment]: ...
    @property
    def evidence(self) -> List[Evidence]: ...
    @property
    def live_workers(self) -> List[str]: ...
    def deploy(
        self,
        worker: Union[Worker, _StrPath],
        *,
        progress: Optional[_Progress] = None,
        message: Optional[str] = None,
        max_script_size: Optional[int] = None,
    ) -> Coroutine[Any, Any, Deployment]: ...
    def deploy_sync(
        self,
        worker: Union[Worker, _StrPath],
        *,
        progress: Optional[_Progress] = None,
        message: Optional[str] = None,
        max_script_size: Optional[int] = None,
    ) -> Deployment: ...
    def verify(
        self,
        deployment: Deployment,
        *,
        path: Optional[str] = None,
        timeout: Optional[float] = None,
        expect_status: Optional[int] = None,
        expect_body_contains: Optional[str] = None,
        expect_header: Optional[Tuple[str, str]] = None,
        interval: Optional[float] = None,
        max_interval: Optional[float] = None,
        progress: Optional[_Progress] = None,
    ) -> Coroutine[Any, Any, Evidence]: ...
    def verify_sync(
        self,
        deployment: Deployment,
        *,
        path: Optional[str] = None,
        timeout: Optional[float] = None,
        expect_status: Optional[int] = None,
        expect_body_contains: Optional[str] = None,
        expect_header: Optional[Tuple[str, str]] = None,
        interval: Optional[float] = None,
        max_interval: Optional[float] = None,
        progress: Optional[_Progress] = None,
    ) -> Evidence: ...
    def teardown(self) -> Coroutine[Any, Any, TeardownReport]: ...
    def teardown_sync(self) -> TeardownReport: ...
    def delete_worker(self, name: str, *, force: bool = False) -> Coroutine[Any, Any, None]: ...
    def delete_worker_sync(self, name: str, *, force: bool = False) -> None: ...
    def wait_for_claim(
        self,
        timeout: Optional[float] = None,
        *,
        poll_interval: Optional[float] = None,
        long_poll: Optional[float] = None,
        expiry_grace: Optional[float] = None,
    ) -> Coroutine[Any, Any, ClaimOutcome]: ...
    def wait_for_claim_sync(
        self,
        timeout: Optional[float] = None,
        *,
        poll_interval: Optional[float] = None,
        long_poll: Optional[float] = None,
        expiry_grace: Optional[float] = None,
    ) -> ClaimOutcome: ...
    def watch_claim(
        self,
        timeout: Optional[float] = None,
        *,
        poll_interval: Optional[float] = None,
        long_poll: Optional[float] = None,
        expiry_grace: Optional[float] = None,
    ) -> ClaimWatcher: ...
    def ticket(
        self, status: Union[_ClaimStatusName, ClaimOutcome, None] = None, *, include_claim_url: bool = False
    ) -> ClaimTicket: ...

@final
class Client:
    def __new__(
        cls,
        api_base: Optional[str] = None,
        *,
        accept_terms: bool = False,
        policy: Optional[Policy] = None,
        audit_log: Optional[_StrPath] = None,
        on_audit: Optional[Callable[[Dict[str, Any]], object]] = None,
        job_id: Optional[str] = None,
        job_class: Optional[str] = None,
        timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        base_delay: Optional[float] = None,
        max_delay: Optional[float] = None,
        max_retry_after: Optional[float] = None,
        pow_work_cap: Optional[int] = None,
        expiry_margin: Optional[float] = None,
        headers: Optional[Mapping[str, str]] = None,
        user_agent: Optional[str] = None,
        otlp_endpoint: Optional[str] = None,
    ) -> Client: ...
    def provision(
        self, *, owner: Optional[str] = None, event_code: Optional[str] = None, progress: Optional[_Progress] = None
    ) -> Coroutine[Any, Any, BoardingPass]: ...
    def provision_sync(
        self, *, owner: Optional[str] = None, event_code: Optional[str] = None, progress: Optional[_Progress] = None
    ) -> BoardingPass: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def api_base(self) -> str: ...
    @property
    def run_id(self) -> str: ...
    @property
    def job_id(self) -> Optional[str]: ...
    @property
    def job_class(self) -> Optional[str]: ...
    @property
    def audit_log(self) -> Optional[pathlib.Path]: ...
    @property
    def policy(self) -> Policy: ...
    def __enter__(self) -> Client: ...
    def __exit__(self, exc_type: object, exc: object, tb: object, /) -> Literal[False]: ...
    def __aenter__(self) -> Coroutine[Any, Any, Client]: ...
    def __aexit__(self, exc_type: object, exc: object, tb: object, /) -> Coroutine[Any, Any, Literal[False]]: ...

@final
class ClaimLink:
    """A claim link for its owner, as `Toolbox(on_claim_link=...)` receives it."""

    @property
    def url(self) -> Secret: ...
    @property
    def owner(self) -> Optional[str]: ...
    @property
    def account_id(self) -> str: ...
    @property
    def account_name(self) -> str: ...
    @property
    def expires_at(self) -> datetime.datetime: ...

@final
class Toolbox:
    """The agent tools (core's names, schemas and behaviour), JSON in and out."""

    def __new__(
        cls,
        client: Client,
        *,
        owner: Optional[str] = None,
        root: Optional[_StrPath] = None,
        on_claim_link: Optional[Callable[[ClaimLink], Union[str, Awaitable[str]]]] = None,
    ) -> Toolbox: ...
    def tool_specs(self) -> List[Dict[str, Any]]: ...
    def call(
        self, name: str, args: Optional[Mapping[str, Any]] = None, *, progress: Optional[_Progress] = None
    ) -> Coroutine[Any, Any, Dict[str, Any]]: ...

@final
class Emulator:
    """A local `boardingpass-emulator` process (`boardingpass.testing`)."""

    @staticmethod
    def start(
        *,
        lifetime: Optional[float] = None,
        pow_k: Optional[int] = None,
        pow_g: Optional[int] = None,
        emulator: Optional[_StrPath] = None,
        workerd: Optional[_StrPath] = None,
    ) -> Emulator: ...
    @property
    def api_base(self) -> str: ...
    def claim(self, bpass: BoardingPass) -> None: ...
    def stop(self) -> None: ...
    def __enter__(self) -> Emulator: ...
    def __exit__(self, exc_type: object, exc: object, tb: object, /) -> Literal[False]: ...
