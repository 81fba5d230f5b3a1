// The shared option cases (tests/fixtures/client-config-cases.json) through
// Kotlin's own argument names: core checks every value once, so Kotlin refuses
// exactly what Python, Node and core refuse.
package dev.boardingpass

import dev.boardingpass.core.BoardingpassException
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.time.Duration

class ClientConfigTest {
    private val emu = Emulator.fast()

    private fun seconds(value: Double): Duration = Duration.ofNanos((value * 1e9).toLong())

    /** Builds a client with [option] set (or deploys with it, for max_script_size). */
    private fun apply(pass: Pass, option: String, value: Double) {
        when (option) {
            "max_attempts" -> Client(apiBase = emu.base, maxAttempts = value.toUInt()).close()
            "pow_work_cap" -> Client(apiBase = emu.base, powWorkCap = value.toULong()).close()
            "timeout" -> Client(apiBase = emu.base, timeout = seconds(value)).close()
            "connect_timeout" -> Client(apiBase = emu.base, connectTimeout = seconds(value)).close()
            "expiry_margin" -> Client(apiBase = emu.base, expiryMargin = seconds(value)).close()
            "max_script_size" -> runBlocking { pass.deploy(hello("sized"), maxScriptSize = value.toULong()) }
            else -> error("tests/fixtures/client-config-cases.json names $option, which Kotlin does not have")
        }
    }

    @Test
    fun `shared config cases hold in Kotlin`(): Unit = runBlocking {
        val cases = JSONObject(File(REPO, "tests/fixtures/client-config-cases.json").readText()).getJSONArray("cases")
        emu.client().use { client ->
            val pass = client.provision(owner = OWNER)
            var ran = 0
            for (i in 0 until cases.length()) {
                val case = cases.getJSONObject(i)
                val (option, value) = case.getString("option") to case.getDouble("value")
                if (value < 0) {
                    // Counts are UInt/ULong in Kotlin: a negative one cannot be written. A
                    // negative java.time.Duration is refused by UniFFI's converter before the call.
                    if (case.has("unit")) assertThrows<IllegalArgumentException>("$case") { apply(pass, option, value) }
                    continue
                }
                ran++
                if (case.getBoolean("valid")) {
                    apply(pass, option, value)
                } else {
                    val e = assertThrows<BoardingpassException.InvalidInput>("$case") { apply(pass, option, value) }
                    assertTrue(e.message!!.startsWith("invalid ${case.getString("field")}:"), "$case: ${e.message}")
                }
            }
            assertTrue(ran >= 15, "only $ran cases ran")
        }
    }
}
