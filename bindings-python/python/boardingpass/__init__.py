"""boardingpass: deploy code to a live URL on a temporary Cloudflare account
from inside your process, and hand a human the claim link.

Async first::

    async with boardingpass.Client(accept_terms=True) as client:
        bp = await client.provision(owner="Ada Lovelace")
        deployment = await bp.deploy(boardingpass.Worker.from_path("worker.js"))
        await bp.verify(deployment)
        print(bp.ticket().to_markdown())

Every long method has a blocking ``*_sync`` twin for scripts
(``client.provision_sync(...)``, ``bp.deploy_sync(...)``) that releases the
GIL while it works. Errors are the classes of :mod:`boardingpass.errors`.
"""

from boardingpass._native import (
    BoardingPass,
    BundledPackage,
    BundleInfo,
    ClaimLink,
    ClaimOutcome,
    ClaimTicket,
    ClaimWatcher,
    Client,
    D1Database,
    D1Meta,
    D1Result,
    Deployment,
    Evidence,
    KvKey,
    KvKeyPage,
    KvNamespace,
    Policy,
    ProgressEvent,
    ProgressStream,
    Secret,
    TeardownReport,
    Toolbox,
    Worker,
    __version__,
)
from boardingpass.errors import (
    ApiError,
    BoardingpassError,
    BundleError,
    CancelledError,
    InvalidInputError,
    IoError,
    NetworkError,
    PassExpiredError,
    PassRevokedError,
    PolicyViolationError,
    PowRefusedError,
    ProtocolError,
    RateLimitedError,
    RustCause,
    SqlError,
    TermsNotAcceptedError,
    TimeoutError,
    VerificationError,
)

__all__ = [
    "ApiError",
    "BoardingPass",
    "BoardingpassError",
    "BundledPackage",
    "BundleError",
    "BundleInfo",
    "CancelledError",
    "ClaimLink",
    "ClaimOutcome",
    "ClaimTicket",
    "ClaimWatcher",
    "Client",
    "D1Database",
    "D1Meta",
    "D1Result",
    "Deployment",
    "Evidence",
    "InvalidInputError",
    "IoError",
    "KvKey",
    "KvKeyPage",
    "KvNamespace",
    "NetworkError",
    "PassExpiredError",
    "PassRevokedError",
    "Policy",
    "PolicyViolationError",
    "PowRefusedError",
    "ProgressEvent",
    "ProgressStream",
    "ProtocolError",
    "RateLimitedError",
    "RustCause",
    "Secret",
    "SqlError",
    "TeardownReport",
    "TermsNotAcceptedError",
    "TimeoutError",
    "Toolbox",
    "VerificationError",
    "Worker",
    "__version__",
]
