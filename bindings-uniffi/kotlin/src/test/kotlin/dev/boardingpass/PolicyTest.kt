// Policy objects from core's loaders: the factories, a client enforcing the
// rules it was given, and bad policy text refused with a typed error.
package dev.boardingpass

import dev.boardingpass.core.BoardingpassException
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

class PolicyTest {
    private val emu = Emulator.fast()

    private fun fields(policy: Policy) = JSONObject(policy.toJson())

    @Test
    fun `the factories give core's rules`(@TempDir tmp: Path) {
        assertTrue(fields(Policy()).getBoolean("require_claim_owner"))
        assertFalse(fields(Policy.permissive()).getBoolean("require_claim_owner"))
        assertFalse(fields(Policy.example()).isNull("worker_name_pattern"), "the example sets every field")
        assertEquals(2, fields(Policy.fromToml("max_deploys_per_pass = 2\n")).getInt("max_deploys_per_pass"))
        assertEquals(3, fields(Policy.fromJson("""{"max_deploys_per_pass": 3}""")).getInt("max_deploys_per_pass"))
        val toml = tmp.resolve("policy.toml").toFile().apply { writeText("max_asset_files = 4\n") }
        val json = tmp.resolve("policy.json").toFile().apply { writeText("""{"max_asset_files": 5}""") }
        assertEquals(4, fields(Policy.fromFile(toml.path)).getInt("max_asset_files"))
        assertEquals(5, fields(Policy.fromFile(json.path)).getInt("max_asset_files"))
    }

    @Test
    fun `bad policy text is refused before any client exists`() {
        raises<BoardingpassException.InvalidInput>("no_such_rule") { Policy.fromToml("no_such_rule = 1\n") }
        raises<BoardingpassException.InvalidInput>("policy") { Policy.fromJson("""{"max_deploys_per_pass": "two"}""") }
        raises<BoardingpassException.Io>("missing.toml") { Policy.fromFile(REPO.resolve("target/missing.toml").path) }
    }

    @Test
    fun `a client enforces the policy it was given`(): Unit = runBlocking {
        // The default policy wants a named owner; the permissive one does not.
        emu.client().use { client -> raises<BoardingpassException.PolicyViolation>("require_claim_owner") { client.provision() } }
        Client(apiBase = emu.base, acceptTerms = true, policy = Policy.permissive()).use { client ->
            assertEquals(Policy.permissive().toJson(), client.policy().toJson())
            assertEquals(null, client.provision().owner())
        }
        Client(apiBase = emu.base, acceptTerms = true, policy = Policy.fromToml("max_deploys_per_pass = 1\n")).use { client ->
            val pass = client.provision(owner = OWNER)
            pass.deploy(hello())
            raises<BoardingpassException.PolicyViolation>("max_deploys_per_pass") { pass.deploy(hello("second")) }
        }
    }
}
