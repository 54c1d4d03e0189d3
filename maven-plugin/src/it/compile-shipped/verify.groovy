// A successful compile of the shipped pretrained model (<model>mcunet-5fps</model>, from the plugin's class path):
// the outputs are there, labelled with the real model and its weights' sha256, the build log shows the summary, nothing
// temporary is left beside the output folder, and the generated C folder builds as a user would build it: with
// the host gcc (`make host`, -Werror) and for the STM32F746 (`make m7`, whose link fails when the image does not
// fit the part's Flash and SRAM). Like the C tests, a missing toolchain skips those builds, or fails under CI.

void check(boolean ok, String what) {
    if (!ok) {
        throw new IllegalStateException("check failed: " + what)
    }
}

boolean onPath(String tool) {
    System.getenv("PATH").split(File.pathSeparator).any { new File(it, tool).canExecute() }
}

void make(File dir, String target) {
    Process p = ["make", "-C", dir.path, target].execute()
    StringBuilder out = new StringBuilder()
    p.consumeProcessOutput(out, out)
    int rc = p.waitFor()
    println "verify: make ${target} exited ${rc}"
    check(rc == 0, "make ${target} in the generated C folder:\n${out}")
}

File out = new File(basedir, "target/generated-sources/tinytrain")
String log = new File(basedir, "build.log").getText("UTF-8")

check(log.contains("tinytrain: compiling mcunet-5fps (scheme mcunet-99kb, target stm32f746)"), "compiling line")
check(log.contains("model   mcunet-5fps\n") || log.contains("model   mcunet-5fps\r\n"), "summary names the shipped model")
check(!log.contains("SYNTHETIC"), "the shipped model is not synthetic")
check(log.contains("bias lr 5.0E-4"), "the bias learning rate option reached the compiler")
check(log.contains("SRAM    "), "summary has the SRAM line")
check(log.contains("tinytrain: wrote " + out.canonicalPath + ": report.txt, report.json, arena.svg, c/, tinytrain.stamp"),
        "wrote line")

check(!new File(out, "report.txt").getText("UTF-8").contains("SYNTHETIC"), "report.txt: real weights")
String json = new File(out, "report.json").getText("UTF-8")
check(json.contains("\"model\" : \"mcunet-5fps\""), "report.json model")
check(json.contains("\"scheme\" : \"mcunet-99kb\""), "report.json scheme")
check(json.contains("\"target\" : \"stm32f746\""), "report.json target")
check(json.contains("\"fits\" : true"), "report.json fits")
check(new File(out, "tinytrain.stamp").getText("UTF-8").startsWith("tinytrain-stamp/1 "), "stamp")
out.parentFile.list().each { check(!it.startsWith(".tinytrain") && !it.contains(".tmp-tinytrain-"), "temporary folder left: " + it) }

File c = new File(out, "c")
["tt_model.c", "tt_model.h", "tt_kernels.c", "tt_kernels.h", "tt_model.mk", "Makefile", "stm32f746.ld"].each {
    check(new File(c, it).isFile(), "generated C folder has " + it)
}

boolean ci = System.getenv("CI") != null && !System.getenv("CI").isEmpty()
[["host", ["make", "gcc"]], ["m7", ["make", "arm-none-eabi-gcc"]]].each { target, tools ->
    List<String> missing = tools.findAll { !onPath(it) }
    if (missing.isEmpty()) {
        make(c, target)
    } else {
        check(!ci, "make ${target} needs ${missing} (CI is set, so a missing tool is a failure)")
        println "verify: make ${target} skipped, ${missing} not on PATH [set CI to turn this into a failure]"
    }
}
check(new File(out, "tinytrain.stamp").getText("UTF-8").contains(
        "file weights.bin sha256 25cc833e6a5a187b86eec5d2eeaa42d2e1960078f6b448cd85978474f829e2df"),
        "the stamp hashes the shipped weights")
File elf = new File(c, "build/m7/tt_mcunet_5fps.elf")
check(!onPath("arm-none-eabi-gcc") || elf.isFile(), "make m7 produced " + elf)
return true
