import Checkpoints
import Foundation
import Kernels
import LlamaModel
import ModelIO
import Testing
import TestSupport

/// LoRA adapters in Hugging Face PEFT's layout, against PEFT itself: the fixture
/// (`scripts/make_peft_lora_fixture.py`) holds a tiny Llama, a rank-4 adapter PEFT saved for it on
/// all seven projections, and the logits PyTorch computes with it.
@Suite struct LoRAAdapterFilesTests {
    static func fixture(_ relative: String) throws -> String {
        let base = try #require(Bundle.module.resourceURL)
        return base.appendingPathComponent("Fixtures/peft-lora").appendingPathComponent(relative).path
    }

    /// The fixture's logits of its 12 packed tokens (two sequences of 6), from `model`.
    private func logits(_ model: LlamaModel) throws -> [Float] {
        let expected = try SafetensorsFile(path: try Self.fixture("expected.safetensors"))
        let tokens = try expected.integers("input.tokens").map(Int32.init)
        let a = LlamaActivations(config: model.config, capacity: tokens.count, longestSequence: 6)
        try model.forward(tokens: tokens, sequences: PackedSequences(lengths: [6, 6]), activations: a)
        return model.logits(activations: a)
    }

    private func expectClose(_ got: [Float], _ want: [Float], _ what: String) {
        #expect(got.count == want.count)
        let scale = want.map(abs).max() ?? 1
        let worst = zip(got, want).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-5 * scale, "\(what): largest difference \(worst) on a scale of \(scale)")
    }

    @Test func peftAdapterGivesPyTorchsLogits() throws {
        let model = try LlamaCheckpoint.load(try Self.fixture("model"))
        let expected = try SafetensorsFile(path: try Self.fixture("expected.safetensors"))
        expectClose(try logits(model), try expected.floats("base_logits"), "base model")
        let adapters = try LoRAAdapterFiles.load(folder: try Self.fixture("adapter"), config: model.config)
        #expect(adapters.rank == 4 && adapters.alpha == 8 && adapters.scale == 2 && adapters.targets == LoRAAdapters.Target.allCases)
        model.adapters = adapters
        expectClose(try logits(model), try expected.floats("logits"), "with PEFT's adapter")
    }

    /// Saving the loaded adapter writes the committed rlvr-saved/ files byte for byte; PEFT loads
    /// those and gives the fixture's logits (`make_peft_lora_fixture.py --check-rlvr-adapter`).
    @Test func savedAdapterIsTheFilePEFTWasCheckedOn() throws {
        let model = try LlamaCheckpoint.load(try Self.fixture("model"))
        let adapters = try LoRAAdapterFiles.load(folder: try Self.fixture("adapter"), config: model.config)
        let out = try ScratchFolder.make("lora-save")
        try LoRAAdapterFiles.save(adapters, to: out, baseModel: nil)
        for name in [LoRAAdapterFiles.configName, LoRAAdapterFiles.weightsName] {
            let written = try Data(contentsOf: URL(fileURLWithPath: out + "/" + name))
            let committed = try Data(contentsOf: URL(fileURLWithPath: try Self.fixture("rlvr-saved/" + name)))
            #expect(written == committed, "\(name) differs from the committed rlvr-saved/\(name) (written: \(out))")
        }
        let reloaded = try LoRAAdapterFiles.load(folder: out, config: model.config)
        #expect(Array(reloaded.parameters.buffer) == Array(adapters.parameters.buffer))
    }

    @Test func aMissingAlphaIsPEFTsDefault() throws {
        let folder = try copyOfAdapter(editing: { $0["lora_alpha"] = nil })
        let model = try LlamaCheckpoint.load(try Self.fixture("model"))
        #expect(try LoRAAdapterFiles.load(folder: folder, config: model.config).alpha == 8)
    }

    @Test func rsLoRAScalesByTheRootOfTheRank() throws {
        let folder = try copyOfAdapter(editing: { $0["use_rslora"] = true })
        let model = try LlamaCheckpoint.load(try Self.fixture("model"))
        #expect(try LoRAAdapterFiles.load(folder: folder, config: model.config).scale == 4)   // 8 / √4
    }

    /// A copy of the PEFT adapter folder with its config edited.
    private func copyOfAdapter(editing edit: (inout [String: Any]) -> Void) throws -> String {
        let folder = try ScratchFolder.make("lora-edit")
        for name in [LoRAAdapterFiles.configName, LoRAAdapterFiles.weightsName] {
            try FileManager.default.copyItem(atPath: try Self.fixture("adapter/" + name), toPath: folder + "/" + name)
        }
        let path = folder + "/" + LoRAAdapterFiles.configName
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
        return folder
    }

    @Test func whatPEFTCanSayButTheEngineCannotApplyIsRefusedByName() throws {
        let model = try LlamaCheckpoint.load(try Self.fixture("model"))
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("use_dora", { $0["use_dora"] = true }),
            ("bias", { $0["bias"] = "all" }),
            ("modules_to_save", { $0["modules_to_save"] = ["lm_head"] }),
            ("layers_to_transform", { $0["layers_to_transform"] = [0] }),
            ("rank_pattern", { $0["rank_pattern"] = ["q_proj": 8] }),
            ("target_modules", { $0["target_modules"] = ["q_proj", "lm_head"] }),
            ("target_modules", { $0["target_modules"] = ".*proj" }),
            ("target_modules", { $0["target_modules"] = ["model.layers.0.self_attn.q_proj"] }),
            ("peft_type", { $0["peft_type"] = "IA3" }),
            // fewer targets than the file holds: an extra tensor is named
            ("down_proj", { $0["target_modules"] = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj"] }),
            // a rank that does not match the tensors
            ("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", { $0["r"] = 8 }),
        ]
        for (key, edit) in cases {
            let folder = try copyOfAdapter(editing: edit)
            #expect(throws: ModelFileError.self, "\(key)") { _ = try LoRAAdapterFiles.load(folder: folder, config: model.config) }
            do { _ = try LoRAAdapterFiles.load(folder: folder, config: model.config) } catch let error as ModelFileError {
                #expect(error.key == key || (key == "down_proj" && error.key.contains(".mlp.down_proj.lora_")),
                        "expected the error to name \(key), got \(error)")
            }
        }
        #expect(throws: ModelFileError.self) { _ = try LoRAAdapterFiles.load(folder: try Self.fixture("model"), config: model.config) }
    }

    /// `rlvr inspect` on an adapter folder describes the adapters, as PEFT wrote them.
    @Test func anAdapterFolderIsSummarised() throws {
        let summary = try ModelSummary(inspecting: try Self.fixture("adapter"))
        #expect(summary.format == "peft-lora-adapters")
        let adapters = try #require(summary.adapters)
        #expect(adapters.rank == 4 && adapters.alpha == 8 && adapters.dropout == 0 && !adapters.rankStabilised)
        #expect(Set(adapters.targetModules) == Set(LoRAAdapters.Target.allCases.map(\.projection)))
        #expect(summary.tensorCount == 28 && summary.config == nil)
    }
}
