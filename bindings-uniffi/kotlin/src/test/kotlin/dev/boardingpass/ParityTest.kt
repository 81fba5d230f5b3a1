// tests/fixtures/parity.json through Kotlin's names (camelCase, or the
// `kotlin` entry of `renamed`): every option and operation the bindings share
// is a parameter or member of the generated classes, read with Kotlin
// reflection; the Worker builder is immutable; stopping a claim watch ends
// the iteration, a pending next() included. Python's and Node's parity tests
// read the same file, so an option one language lacks fails in that language.
package dev.boardingpass

import dev.boardingpass.core.ClaimStatus
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotSame
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import java.io.File
import java.time.Duration
import kotlin.reflect.KCallable
import kotlin.reflect.KClass
import kotlin.reflect.full.companionObject

private val PARITY = JSONObject(File(REPO, "tests/fixtures/parity.json").readText())

private fun camel(name: String): String = name.replace(Regex("_([a-z])")) { it.groupValues[1].uppercase() }

/** Kotlin's name for a concept: `renamed` first, then camelCase; null when Kotlin offers it otherwise. */
fun kotlinName(concept: String): String? {
    val renamed = PARITY.getJSONObject("renamed").optJSONObject(concept)
    val name = if (renamed != null && renamed.has("kotlin")) renamed.opt("kotlin") else concept
    // `retry.x` options are flat keywords in Kotlin, as in Python.
    return if (name == JSONObject.NULL) null else camel((name as String).substringAfterLast('.'))
}

private fun names(group: String): List<String> = names(PARITY.getJSONArray(group))
private fun names(array: JSONArray): List<String> = (0 until array.length()).mapNotNull { kotlinName(array.getString(it)) }

private fun parameters(fn: KCallable<*>): List<String> = fn.parameters.mapNotNull { it.name }
private fun members(cls: KClass<*>): Set<String> = cls.members.map { it.name }.toSet()

class ParityTest {
    @TestFactory
    fun `every shared option is a parameter`(): List<DynamicTest> {
        // The constructor UniFFI generates from Rust's (the others take a pointer).
        val clientNew = Client::class.constructors.maxBy { it.parameters.size }
        val checked: List<Pair<String, KCallable<*>>> = listOf(
            "client_options" to clientNew,
            "provision_options" to Client::provision,
            "deploy_options" to Pass::deploy,
            "verify_options" to Pass::verify,
            "claim_wait_options" to Pass::waitForClaim,
            "claim_wait_options" to Pass::watchClaim,
            "claim_wait_options" to Pass::watchClaimFlow,
            "ticket_options" to Pass::ticket,
            "kv_list_options" to Pass::kvList,
        )
        return checked.map { (group, fn) ->
            DynamicTest.dynamicTest("$group in ${fn.name}") {
                val missing = names(group) - parameters(fn).toSet()
                assertEquals(emptyList<String>(), missing, "${fn.name} lacks these (tests/fixtures/parity.json $group)")
            }
        }
    }

    @Test
    fun `every shared operation and property exists`() {
        val worker = PARITY.getJSONObject("worker")
        val groups: List<Pair<KClass<*>, List<String>>> = listOf(
            Pass::class to names("pass_operations") + names("pass_properties"),
            Policy::class.companionObject!! to names("policy_factories"),
            Worker::class.companionObject!! to names(worker.getJSONArray("factories")),
            Worker::class to names(worker.getJSONArray("builder_methods")),
        )
        val missing = groups.flatMap { (cls, wanted) -> (wanted - members(cls)).map { "${cls.simpleName}.$it" } }
        assertEquals(emptyList<String>(), missing)
    }

    @Test
    fun `the Worker builder is immutable`() {
        assertTrue(PARITY.getJSONObject("worker").getBoolean("immutable"))
        val base = Worker.fromSource("parity", "index.js", "export default { fetch() { return new Response('x') } }")
        val withVar = base.withVar("GREETING", "hi")
        val withModule = base.withModule("extra.txt", "text".toByteArray())
        assertNotSame(base, withVar)
        assertNotSame(base, withModule)
        assertEquals(0 to 1, base.bindingNames().size to base.moduleNames().size, "the builder changed the Worker it was called on")
        assertEquals(1 to 2, withVar.bindingNames().size to withModule.moduleNames().size)
    }

    @Test
    fun `stopping a watch ends the iteration, a pending next included`(): Unit = runBlocking {
        assertEquals("ends_iteration", PARITY.getJSONObject("watcher").getString("close"))
        val close = ClaimWatch::class.members.single { it.name == kotlinName("close") }
        Emulator.fast().client().use { client ->
            val pass = client.provision(owner = OWNER)
            pass.watchClaim(timeout = Duration.ofSeconds(60)).use { watch ->
                assertEquals(ClaimStatus.PENDING, watch.next()!!.status)
                val pending = async(Dispatchers.Default) { watch.next() }
                // The next status change is being awaited now (a long poll the server holds).
                assertTrue(settles { operationsInFlight() >= 1uL })
                delay(200)
                close.call(watch)
                // Only a hang guard: without the fix the pending next() waits out the long poll.
                assertNull(withTimeout(20_000) { pending.await() }, "a next() pending at stop returns null, no error")
                assertNull(watch.next())
                assertTrue(watch.isStopped())
            }
        }
    }
}
