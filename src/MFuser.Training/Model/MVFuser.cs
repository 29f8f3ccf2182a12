using MFuser.Training.Scan;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MFuser.Training.Model;

/// <summary>
/// MVFuser: MambaVision's mixer as modified by MFuser (research §2). Keys: in_proj, conv1d_x, conv1d_z, x_proj,
/// dt_proj, A_log, D, norm.weight, out_proj, scale. Official quirks kept: dt bias applied twice (Δ = softplus(W r + 2b)),
/// gate SiLU(SiLU(conv z)), bias-free symmetric depth-wise convs, gated RMSNorm (norm before gate, eps 1e-5),
/// learnable output scale (init 1e-3), dropout 0.1, unidirectional scan over the given token order.
/// </summary>
public sealed class MVFuser : nn.Module<Tensor, Tensor>
{
    private readonly Linear in_proj, x_proj, dt_proj, out_proj;
    private readonly Conv1d conv1d_x, conv1d_z;
    private readonly Parameter A_log, D, scale;
    private readonly RmsNormWeight norm;
    private readonly Dropout drop;
    private readonly int branch, dtRank, dState;

    /// <summary>Chunk length of the training scan (power of two).</summary>
    public int ScanChunk { get; set; } = 16;

    public MVFuser(int dModel, int dState, int dConv, int expand, int dtRank, double dropout, double scaleInit) : base("MVFuser")
    {
        int dInner = expand * dModel;
        branch = dInner / 2;
        this.dtRank = dtRank;
        this.dState = dState;
        in_proj = nn.Linear(dModel, dInner, hasBias: false);
        x_proj = nn.Linear(branch, dtRank + 2 * dState, hasBias: false);
        dt_proj = nn.Linear(dtRank, branch, hasBias: true);
        // depth-wise k=3 'same' conv; official conv_bias=True//2 == 0 -> no bias
        conv1d_x = nn.Conv1d(branch, branch, dConv, padding: dConv / 2, groups: branch, bias: false);
        conv1d_z = nn.Conv1d(branch, branch, dConv, padding: dConv / 2, groups: branch, bias: false);
        out_proj = nn.Linear(branch, dModel, hasBias: false);
        A_log = nn.Parameter(log(arange(1, dState + 1, dtype: float32)).unsqueeze(0).repeat(branch, 1).contiguous());
        D = nn.Parameter(ones(branch));
        scale = nn.Parameter(tensor((float)scaleInit));
        norm = new RmsNormWeight(branch, 1e-5);
        drop = nn.Dropout(dropout);
        InitDt(dtMin: 1e-3, dtMax: 0.1, floor: 1e-4);
        register_module("in_proj", in_proj);
        register_module("conv1d_x", conv1d_x);
        register_module("conv1d_z", conv1d_z);
        register_module("x_proj", x_proj);
        register_module("dt_proj", dt_proj);
        register_parameter("A_log", A_log);
        register_parameter("D", D);
        register_module("norm", norm);
        register_module("out_proj", out_proj);
        register_parameter("scale", scale);
    }

    /// <summary>Mamba Δ init: weight ~ U(±rank^-0.5); bias = softplus⁻¹(dt), dt ~ logU[dtMin, dtMax] clamped ≥ floor.</summary>
    private void InitDt(double dtMin, double dtMax, double floor)
    {
        using var _ = no_grad();
        double std = Math.Pow(dtRank, -0.5);
        nn.init.uniform_(dt_proj.weight, -std, std);
        var dt = exp(rand(branch) * (Math.Log(dtMax) - Math.Log(dtMin)) + Math.Log(dtMin)).clamp_min(floor);
        dt_proj.bias!.copy_(dt + log(-expm1(-dt)));
    }

    /// <summary>ContextDecoder's init quirk: its blanket trunc-normal/zero-bias init also hits this mixer (dt bias 0).</summary>
    internal void ApplyBlanketLinearInit() => Layers.InitLinears(this);

    /// <summary>h (B, L, d_model) → (B, L, d_model), already multiplied by <c>scale</c>.</summary>
    public override Tensor forward(Tensor h)
    {
        using var scope = NewDisposeScope();
        long b = h.shape[0], len = h.shape[1];
        var xz = in_proj.call(h).transpose(1, 2);                               // (B, d_inner, L)
        var parts = xz.chunk(2, 1);
        var x = nn.functional.silu(conv1d_x.call(parts[0]));                   // (B, branch, L)
        var z = nn.functional.silu(conv1d_z.call(parts[1]));
        var xdbl = x_proj.call(x.transpose(1, 2));                               // (B, L, rank + 2N)
        var split = xdbl.split([dtRank, dState, dState], -1);
        var dt = dt_proj.call(split[0]).transpose(1, 2);                         // W r + b   (B, branch, L)
        var bm = split[1].transpose(1, 2);                                       // (B, N, L)
        var cm = split[2].transpose(1, 2);
        var y = SelectiveScan.Chunked(x, dt, -exp(A_log), bm, cm, D, dt_proj.bias!, ScanChunk); // + b again (quirk)
        var yn = norm.call(y.transpose(1, 2)) * nn.functional.silu(z.transpose(1, 2)); // SiLU(SiLU(conv z)) gate
        var o = drop.call(out_proj.call(yn)) * scale;
        return o.MoveToOuterDisposeScope();
    }
}

/// <summary>RMSNorm with weight only (mamba_ssm gated RMSNorm's normalisation part; key <c>weight</c>).</summary>
internal sealed class RmsNormWeight : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double eps;
    public RmsNormWeight(int dim, double eps) : base("RMSNorm")
    {
        weight = nn.Parameter(ones(dim));
        this.eps = eps;
        register_parameter("weight", weight);
    }
    public override Tensor forward(Tensor x) => x * rsqrt(x.pow(2).mean([-1], keepdim: true) + eps) * weight;
}

/// <summary>
/// Baseline fusion "by self-attention instead of Mamba": out = Dropout(MHA(LN(s))) · scale with the same scalar
/// scale (init 1e-3) as MVFuser. Keys: norm, attn.{in_proj_weight,in_proj_bias,out_proj}, scale.
/// </summary>
public sealed class AttentionFuser : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm;
    private readonly TorchMha attn;
    private readonly Parameter scale;
    private readonly Dropout drop;
    public AttentionFuser(int dModel, int heads, double dropout, double scaleInit) : base("AttentionFuser")
    {
        norm = nn.LayerNorm(dModel, 1e-5);
        attn = new TorchMha(dModel, heads);
        scale = nn.Parameter(tensor((float)scaleInit));
        drop = nn.Dropout(dropout);
        register_module("norm", norm);
        register_module("attn", attn);
        register_parameter("scale", scale);
    }
    public override Tensor forward(Tensor s)
    {
        var a = norm.call(s);
        return drop.call(attn.call(a, a, a, null)) * scale;
    }
}
