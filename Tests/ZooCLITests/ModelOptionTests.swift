// `--set NAME=VALUE` and its shorthand `--sampler` of zoo sample / eval: the sampler's text form, validation
// against the model's N, and refusal (naming the flag) for models without the option.
import ArgumentParser
import Baselines
import Foundation
import RVD
import Testing
@testable import ZooCLI
import ZooCore

@Suite struct ModelOptionTests {
    @Test func samplerSettingsParseTheThreeFormsAndPrintThemBack() throws {
        #expect(try SamplerSettings(parsing: "ddpm") == .ddpm)
        #expect(try SamplerSettings(parsing: "ddim:50") == .ddim(steps: 50, eta: 0))
        #expect(try SamplerSettings(parsing: "DDIM:25:1") == .ddim(steps: 25, eta: 1))
        #expect(try SamplerSettings(parsing: "ddim:10:0.5") == .ddim(steps: 10, eta: 0.5))
        for settings in [SamplerSettings.ddpm, .ddim(steps: 7, eta: 0.25), .ddim(steps: 3)] {
            #expect(try SamplerSettings(parsing: settings.text) == settings, "\(settings.text)")
        }
    }

    @Test func rejectsMalformedValuesNamingTheFlag() throws {
        for bad in ["", "ddim", "ddim:", "ddim:0", "ddim:x", "ddim:5:-1", "ddim:5:1:2", "ddpm:10", "euler"] {
            #expect(throws: SamplerError.self) { _ = try SamplerSettings(parsing: bad) }
            do {
                _ = try Zoo.parseAsRoot(["eval", "--checkpoint", "x.h5", "--sampler", bad])
                Issue.record("--sampler \(bad) was accepted")
            } catch {
                #expect(Zoo.message(for: error).contains("--sampler"), "\(Zoo.message(for: error))")
            }
        }
        do {
            _ = try Zoo.parseAsRoot(["sample", "--checkpoint", "x.h5", "--context", "c", "--out", "o", "--set", "sampler"])
            Issue.record("--set without = was accepted")
        } catch {
            #expect(Zoo.message(for: error).contains("--set sampler: expected NAME=VALUE"), "\(Zoo.message(for: error))")
        }
    }

    @Test func appliesToModelsThatHaveTheOptionOnly() throws {
        var rng = RandomGenerator(seed: 0)
        let rvd = try RVD.entry.make("tiny", &rng)
        let diffusion = try #require(rvd as? any DiffusionSampling)
        #expect(try ModelOptions.parse([]).apply(to: rvd) == rvd.options, "no flag: the config's sampler")
        #expect(rvd.options.first { $0.name == "sampler" }?.current == RVDConfig.tiny.sampler.text)
        try ModelOptions.parse(["--sampler", "ddpm"]).apply(to: rvd)
        #expect(diffusion.samplerSettings == .ddpm)
        try ModelOptions.parse(["--set", "sampler=ddim:3:0.5"]).apply(to: rvd)
        #expect(diffusion.samplerSettings == .ddim(steps: 3, eta: 0.5))
        let tooMany = try ModelOptions.parse(["--sampler", "ddim:\(diffusion.diffusionStepCount + 1)"])
        #expect(throws: ValidationError.self) { try tooMany.apply(to: rvd) }
        #expect(diffusion.samplerSettings == .ddim(steps: 3, eta: 0.5), "a refused choice leaves the sampler alone")
        do {
            try ModelOptions.parse(["--set", "steps=4"]).apply(to: rvd)
            Issue.record("rvd accepted an unknown option")
        } catch {
            #expect("\(error)".contains("no option 'steps'") && "\(error)".contains("sampler"), "\(error)")
        }
        let copyLast = CopyLast(config: CopyLastConfig(contract: rvd.contract))
        do {
            try ModelOptions.parse(["--sampler", "ddim:4:1"]).apply(to: copyLast)
            Issue.record("copy-last accepted --sampler")
        } catch {
            #expect("\(error)".contains("not a diffusion model"))
        }
    }
}
