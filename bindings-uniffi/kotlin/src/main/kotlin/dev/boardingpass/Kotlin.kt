// The hand-written part of the Kotlin API: what UniFFI cannot express.
// Everything else (Client, Pass, Worker, the records, enums, Secret and the
// exception tree) is generated from the Rust crates by `make kotlin-bindings`.
package dev.boardingpass

import dev.boardingpass.core.BoardingpassException
import dev.boardingpass.core.ClaimOutcome
import dev.boardingpass.core.ErrorKind
import dev.boardingpass.core.errorKindCode
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import java.time.Duration

/**
 * Each change of claim status, starting with the current one; completes on a
 * terminal status or when [timeout] passes (the options are `waitForClaim`'s).
 * Cancelling the collector drops the pending Rust poll and stops the watcher.
 */
fun Pass.watchClaimFlow(
    timeout: Duration? = null,
    pollInterval: Duration? = null,
    longPoll: Duration? = null,
    expiryGrace: Duration? = null,
): Flow<ClaimOutcome> = flow {
    watchClaim(timeout, pollInterval, longPoll, expiryGrace).use { watch ->
        while (true) emit(watch.next() ?: break)
    }
}

/** Core's error kind of this exception: each subclass is named after its ErrorKind. */
val BoardingpassException.kind: ErrorKind
    get() {
        val name = javaClass.simpleName.replace(Regex("(?<=[a-z])(?=[A-Z])"), "_").uppercase()
        return ErrorKind.valueOf(name)
    }

/** The stable snake_case code shared by every binding (tests/fixtures/error-kinds.json). */
val BoardingpassException.code: String
    get() = errorKindCode(kind)
