// One exception tree from core's error kinds: every kind of the shared
// fixture has its class and code, and each class but `Cancelled` comes from a
// real failure here (a cancelled coroutine is Kotlin's CancellationException).
package dev.boardingpass

import dev.boardingpass.core.BoardingpassException
import dev.boardingpass.core.ClaimStatus
import dev.boardingpass.core.ErrorKind
import dev.boardingpass.core.errorKindCode
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.net.ServerSocket
import java.time.Duration

/** Runs [block] and returns the exception of type [T] it threw, checking its code matches its class. */
inline fun <reified T : BoardingpassException> raises(messagePart: String, noinline block: suspend () -> Unit): T {
    val e = assertThrows<T> { runBlocking { block() } }
    assertTrue(messagePart in e.message!!, "\"$messagePart\" not in: ${e.message}")
    assertEquals(T::class.java.simpleName, e.javaClass.simpleName)
    return e
}

class ErrorsTest {
    private val emu = Emulator.fast()

    @Test
    fun `every kind of the shared fixture has its class and code`() {
        val fixture = JSONObject(File(REPO, "tests/fixtures/error-kinds.json").readText())
        assertEquals("BoardingpassError", fixture.getString("base"))
        assertEquals("BoardingpassException", BoardingpassException::class.java.simpleName)
        val kinds = fixture.getJSONArray("kinds")
        val classes = BoardingpassException::class.java.declaredClasses
            .filter { BoardingpassException::class.java.isAssignableFrom(it) }
            .map { it.simpleName }
        val expected = (0 until kinds.length()).map { kinds.getJSONObject(it).getString("class").removeSuffix("Error") }
        assertEquals(expected.sorted(), classes.sorted(), "one Kotlin subclass per fixture kind")
        assertEquals(kinds.length(), ErrorKind.entries.size)
        for (i in 0 until kinds.length()) {
            val kind = kinds.getJSONObject(i)
            assertEquals(kind.getString("code"), errorKindCode(ErrorKind.entries[i]), "ErrorKind order and codes follow the fixture")
            val cls = Class.forName("dev.boardingpass.core.BoardingpassException$" + kind.getString("class").removeSuffix("Error"))
            val instance = cls.getConstructor(String::class.java).newInstance("m") as BoardingpassException
            assertEquals(kind.getString("code"), instance.code, "code of ${cls.simpleName}")
        }
    }

    @Test
    fun `bad input is refused before anything is sent`(): Unit = runBlocking {
        raises<BoardingpassException.InvalidInput>("unencrypted, use https") { Client(apiBase = "http://api.example.com/client/v4") }
        raises<BoardingpassException.InvalidInput>("pow_work_cap") { Client(apiBase = emu.base, powWorkCap = 0uL) }
        raises<BoardingpassException.InvalidInput>("max_attempts") { Client(apiBase = emu.base, maxAttempts = 0u) }
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            raises<BoardingpassException.InvalidInput>("lowercase letters") { pass.deploy(Worker.fromSource("Not A Name", "index.js", HELLO)) }
        }
    }

    @Test
    fun `terms and policy refusals`(): Unit = runBlocking {
        Client(apiBase = emu.base).use { client ->
            raises<BoardingpassException.TermsNotAccepted>("accept_terms") { client.provision(owner = OWNER) }
        }
        emu.client().use { client ->
            raises<BoardingpassException.PolicyViolation>("require_claim_owner") { client.provision() }
            val pass = client.provision(owner = OWNER)
            pass.deploy(hello())
            raises<BoardingpassException.PolicyViolation>("require_verification") { pass.ticket(ClaimStatus.PENDING) }
        }
    }

    @Test
    fun `http failures`(): Unit = runBlocking {
        emu.client(maxAttempts = 1u).use { client ->
            emu.fault("previews/challenge", """"kind": "status", "status": 429, "retry_after": 61""")
            raises<BoardingpassException.RateLimited>("retry after 61s") { client.provision(owner = OWNER) }

            emu.fault("provisioning/previews", """"kind": "malformed_json"""")
            raises<BoardingpassException.Protocol>("not a JSON envelope") { client.provision(owner = OWNER) }

            val pass = client.provision(owner = OWNER)
            emu.fault("workers/scripts/hello", """"kind": "status", "status": 400""")
            raises<BoardingpassException.Api>("injected fault") { pass.deploy(hello()) }
        }
        emu.fault("previews/challenge", """"kind": "delay", "delay_ms": 3000""")
        emu.client(maxAttempts = 1u, timeout = Duration.ofMillis(300)).use { impatient ->
            raises<BoardingpassException.Timeout>("did not answer within 0.3s") { impatient.provision(owner = OWNER) }
        }
        val port = ServerSocket(0).use { it.localPort }
        Client(apiBase = "http://127.0.0.1:$port/client/v4", acceptTerms = true, maxAttempts = 1u).use { offline ->
            raises<BoardingpassException.Network>("check that the API base URL is reachable") { offline.provision(owner = OWNER) }
        }
    }

    @Test
    fun `local failures`(): Unit = runBlocking {
        emu.client(powWorkCap = 10uL).use { capped ->
            raises<BoardingpassException.PowRefused>("refused") { capped.provision(owner = OWNER) }
        }
        raises<BoardingpassException.Io>("missing.js") { Worker.fromPath(File(REPO, "target/missing.js").path) }
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            val deployment = pass.deploy(hello())
            raises<BoardingpassException.Verification>("does not contain") {
                pass.verify(deployment, expectBodyContains = "goodbye", timeout = Duration.ofMillis(300))
            }
            pass.teardown()
            raises<BoardingpassException.PassRevoked>("provision a new pass") { pass.deploy(hello()) }
        }
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            val db = pass.createD1Database("errors")
            raises<BoardingpassException.Sql>("syntax error") { pass.d1Query(db.uuid, "SELEC 1") }
        }
        Emulator.shortLived().client().use { client ->
            // The pass lives 3 s, inside the client's default expiry margin (5 s): expired for deploying.
            val pass = client.provision(owner = OWNER)
            raises<BoardingpassException.PassExpired>("expired at") { pass.deploy(hello()) }
        }
    }
}
