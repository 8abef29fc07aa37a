"""DiffIR networks in PyTorch, written from the project specification docs/spec/diffir.md (not from the
official code), with the official state_dict key layout (spec §5).

Used by diffir_reference.py to write the golden fixtures of the C++ tests.  Every
module name below is chosen so that `state_dict()` yields exactly the official keys.
"""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

N_FEATS = 64  # spec §2: the IPR width is 4 * n_feats = 256, n_feats fixed at 64


# ---- §2.1 LayerNorm over channels -------------------------------------------------------
class WithBiasBody(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))

    def forward(self, x):  # x: (B, HW, C)
        mu = x.mean(-1, keepdim=True)
        var = x.var(-1, keepdim=True, unbiased=False)
        return (x - mu) / torch.sqrt(var + 1e-5) * self.weight + self.bias


class BiasFreeBody(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))

    def forward(self, x):
        var = x.var(-1, keepdim=True, unbiased=False)
        return x / torch.sqrt(var + 1e-5) * self.weight


class LayerNorm(nn.Module):
    def __init__(self, c, kind):
        super().__init__()
        self.body = WithBiasBody(c) if kind == "WithBias" else BiasFreeBody(c)

    def forward(self, x):
        b, c, h, w = x.shape
        y = self.body(x.permute(0, 2, 3, 1).reshape(b, h * w, c))
        return y.reshape(b, h, w, c).permute(0, 3, 1, 2).contiguous()


# ---- §2.2 IPR modulation -------------------------------------------------------------------
def modulate(kernel, x, z):
    b, c = x.shape[:2]
    k = kernel(z).view(b, 2 * c, 1, 1)
    k1, k2 = k.chunk(2, dim=1)
    return x * k1 + k2


# ---- §2.3 DMTA -----------------------------------------------------------------------------
class Attention(nn.Module):
    def __init__(self, dim, heads, bias):
        super().__init__()
        self.heads = heads
        self.temperature = nn.Parameter(torch.ones(heads, 1, 1))
        self.kernel = nn.Sequential(nn.Linear(4 * N_FEATS, 2 * dim, bias=False))
        self.qkv = nn.Conv2d(dim, 3 * dim, 1, bias=bias)
        self.qkv_dwconv = nn.Conv2d(3 * dim, 3 * dim, 3, padding=1, groups=3 * dim, bias=bias)
        self.project_out = nn.Conv2d(dim, dim, 1, bias=bias)

    def forward(self, x, z):
        b, c, h, w = x.shape
        x = modulate(self.kernel, x, z)
        q, k, v = self.qkv_dwconv(self.qkv(x)).chunk(3, dim=1)
        q = q.reshape(b, self.heads, c // self.heads, h * w)
        k = k.reshape(b, self.heads, c // self.heads, h * w)
        v = v.reshape(b, self.heads, c // self.heads, h * w)
        q = F.normalize(q, dim=-1)
        k = F.normalize(k, dim=-1)
        attn = ((q @ k.transpose(-2, -1)) * self.temperature).softmax(dim=-1)
        out = (attn @ v).reshape(b, c, h, w)
        return self.project_out(out)


# ---- §2.4 DGFN -----------------------------------------------------------------------------
class FeedForward(nn.Module):
    def __init__(self, dim, factor, bias):
        super().__init__()
        hidden = int(dim * factor)
        self.kernel = nn.Sequential(nn.Linear(4 * N_FEATS, 2 * dim, bias=False))
        self.project_in = nn.Conv2d(dim, 2 * hidden, 1, bias=bias)
        self.dwconv = nn.Conv2d(2 * hidden, 2 * hidden, 3, padding=1, groups=2 * hidden, bias=bias)
        self.project_out = nn.Conv2d(hidden, dim, 1, bias=bias)

    def forward(self, x, z):
        x = modulate(self.kernel, x, z)
        x1, x2 = self.dwconv(self.project_in(x)).chunk(2, dim=1)
        return self.project_out(F.gelu(x1) * x2)


# ---- §2.5 transformer block ------------------------------------------------------------------
class TransformerBlock(nn.Module):
    def __init__(self, dim, heads, factor, bias, ln):
        super().__init__()
        self.norm1 = LayerNorm(dim, ln)
        self.attn = Attention(dim, heads, bias)
        self.norm2 = LayerNorm(dim, ln)
        self.ffn = FeedForward(dim, factor, bias)

    def forward(self, x, z):
        x = x + self.attn(self.norm1(x), z)
        return x + self.ffn(self.norm2(x), z)


def blocks(n, dim, heads, factor, bias, ln):
    return nn.ModuleList([TransformerBlock(dim, heads, factor, bias, ln) for _ in range(n)])


def run_blocks(mods, x, z):
    for m in mods:
        x = m(x, z)
    return x


# ---- §2.6 resampling -------------------------------------------------------------------------
class Downsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, c // 2, 3, padding=1, bias=False), nn.PixelUnshuffle(2))

    def forward(self, x):
        return self.body(x)


class Upsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, 2 * c, 3, padding=1, bias=False), nn.PixelShuffle(2))

    def forward(self, x):
        return self.body(x)


class PatchEmbed(nn.Module):
    def __init__(self, cin, dim, bias):
        super().__init__()
        self.proj = nn.Conv2d(cin, dim, 3, padding=1, bias=bias)

    def forward(self, x):
        return self.proj(x)


# ---- §2.7 + §3 DIRformer -----------------------------------------------------------------------
def g_in_channels(variant):
    return {"deblur": 3, "sr4": 3, "sr2": 12, "sr1": 48, "inpaint": 4}[variant]


def sr_scale(variant):
    return {"sr4": 4, "sr2": 2, "sr1": 1}.get(variant)


class DIRformer(nn.Module):
    def __init__(self, variant, cfg):
        super().__init__()
        self.variant = variant
        d, nb, hd = cfg["dim"], cfg["num_blocks"], cfg["heads"]
        f, bias, ln = cfg["ffn_expansion_factor"], cfg["bias"], cfg["LayerNorm_type"]
        # the official DIRformer builds OverlapPatchEmbed(inp_channels, dim): bias=False always
        self.patch_embed = PatchEmbed(g_in_channels(variant), d, False)
        self.encoder_level1 = blocks(nb[0], d, hd[0], f, bias, ln)
        self.down1_2 = Downsample(d)
        self.encoder_level2 = blocks(nb[1], 2 * d, hd[1], f, bias, ln)
        self.down2_3 = Downsample(2 * d)
        self.encoder_level3 = blocks(nb[2], 4 * d, hd[2], f, bias, ln)
        self.down3_4 = Downsample(4 * d)
        self.latent = blocks(nb[3], 8 * d, hd[3], f, bias, ln)
        self.up4_3 = Upsample(8 * d)
        self.reduce_chan_level3 = nn.Conv2d(8 * d, 4 * d, 1, bias=bias)
        self.decoder_level3 = blocks(nb[2], 4 * d, hd[2], f, bias, ln)
        self.up3_2 = Upsample(4 * d)
        self.reduce_chan_level2 = nn.Conv2d(4 * d, 2 * d, 1, bias=bias)
        self.decoder_level2 = blocks(nb[1], 2 * d, hd[1], f, bias, ln)
        self.up2_1 = Upsample(2 * d)
        self.decoder_level1 = blocks(nb[0], 2 * d, hd[0], f, bias, ln)
        if variant != "inpaint":
            self.refinement = blocks(cfg["num_refinement_blocks"], 2 * d, hd[0], f, bias, ln)
        if sr_scale(variant):
            self.tail = nn.Sequential(
                nn.Sequential(nn.Conv2d(2 * d, 8 * d, 3, padding=1), nn.PixelShuffle(2),
                              nn.Conv2d(2 * d, 8 * d, 3, padding=1), nn.PixelShuffle(2)),
                nn.Conv2d(2 * d, 3, 3, padding=1))
        else:
            self.output = nn.Conv2d(2 * d, 3, 3, padding=1, bias=bias)

    def forward(self, inp, z, trace=None):
        def rec(name, t):
            if trace is not None:
                trace[name] = t
            return t

        s = sr_scale(self.variant)
        x = inp
        if s == 2:
            x = F.pixel_unshuffle(inp, 2)
        elif s == 1:
            x = F.pixel_unshuffle(inp, 4)
        e0 = rec("patch_embed", self.patch_embed(x))
        e1 = rec("encoder_level1", run_blocks(self.encoder_level1, e0, z))
        e2 = rec("encoder_level2", run_blocks(self.encoder_level2, self.down1_2(e1), z))
        e3 = rec("encoder_level3", run_blocks(self.encoder_level3, self.down2_3(e2), z))
        lat = rec("latent", run_blocks(self.latent, self.down3_4(e3), z))
        d3 = self.reduce_chan_level3(torch.cat([self.up4_3(lat), e3], 1))
        d3 = rec("decoder_level3", run_blocks(self.decoder_level3, d3, z))
        d2 = self.reduce_chan_level2(torch.cat([self.up3_2(d3), e2], 1))
        d2 = rec("decoder_level2", run_blocks(self.decoder_level2, d2, z))
        d1 = torch.cat([self.up2_1(d2), e1], 1)
        d1 = rec("decoder_level1", run_blocks(self.decoder_level1, d1, z))
        if self.variant == "inpaint":
            return self.output(d1)
        d1 = rec("refinement", run_blocks(self.refinement, d1, z))
        if s:
            return self.tail(d1) + F.interpolate(inp, scale_factor=s, mode="nearest")
        return self.output(d1) + inp


# ---- §2.8 CPEN ---------------------------------------------------------------------------------
class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.LeakyReLU(0.1),
                                  nn.Conv2d(c, c, 3, padding=1))

    def forward(self, x):
        return self.body(x) + x


class CPEN(nn.Module):
    def __init__(self, cin, n_encoder_res):
        super().__init__()
        n = N_FEATS
        layers = [nn.Conv2d(cin, n, 3, padding=1), nn.LeakyReLU(0.1)]
        layers += [ResBlock(n) for _ in range(n_encoder_res)]
        layers += [nn.Conv2d(n, 2 * n, 3, padding=1), nn.LeakyReLU(0.1),
                   nn.Conv2d(2 * n, 2 * n, 3, padding=1), nn.LeakyReLU(0.1),
                   nn.Conv2d(2 * n, 4 * n, 3, padding=1), nn.LeakyReLU(0.1),
                   nn.AdaptiveAvgPool2d(1)]
        self.E = nn.Sequential(*layers)
        self.mlp = nn.Sequential(nn.Linear(4 * n, 4 * n), nn.LeakyReLU(0.1),
                                 nn.Linear(4 * n, 4 * n), nn.LeakyReLU(0.1))

    def forward(self, x):
        return self.mlp(self.E(x).flatten(1))


def cpen_s2_input(variant, g_in):
    """§6 step 1: the CPEN_S2 adaptor applied to the network input of G."""
    if variant in ("deblur", "inpaint"):
        return F.pixel_unshuffle(g_in, 4)
    return {4: lambda x: x, 2: lambda x: F.pixel_unshuffle(x, 2),
            1: lambda x: F.pixel_unshuffle(x, 4)}[sr_scale(variant)](g_in)


def cpen_s2_channels(variant):
    return {"deblur": 48, "sr4": 3, "sr2": 12, "sr1": 48, "inpaint": 64}[variant]


def cpen_s1_channels(variant):
    return {"deblur": 96, "sr4": 51, "sr2": 60, "sr1": 96, "inpaint": 112}[variant]


# ---- §2.9 denoise MLP ----------------------------------------------------------------------------
class ResMLP(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.resmlp = nn.Sequential(nn.Linear(n, n), nn.LeakyReLU(0.1))

    def forward(self, x):
        return self.resmlp(x)


class Denoise(nn.Module):
    def __init__(self, n_denoise_res, timesteps):
        super().__init__()
        n = 4 * N_FEATS
        self.max_period = timesteps * 10
        self.resmlp = nn.Sequential(nn.Linear(2 * n + 1, n), nn.LeakyReLU(0.1),
                                    *[ResMLP(n) for _ in range(n_denoise_res)])

    def forward(self, x, t, c):
        tt = (t.float() / self.max_period).view(-1, 1)
        return self.resmlp(torch.cat([c, tt, x], dim=1))


# ---- §2.10 + §6 DDPM wrapper ---------------------------------------------------------------------
BUFFERS = ["betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod",
           "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod",
           "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod", "posterior_variance",
           "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2"]


def schedule(T, ls, le):
    """§6 step 2, in float64 (stored as float32 buffers)."""
    betas = np.linspace(ls ** 0.5, le ** 0.5, T, dtype=np.float64) ** 2
    alphas = 1.0 - betas
    ac = np.cumprod(alphas)
    acp = np.append(1.0, ac[:-1])
    pv = betas * (1.0 - acp) / (1.0 - ac)
    return {
        "betas": betas, "alphas_cumprod": ac, "alphas_cumprod_prev": acp,
        "sqrt_alphas_cumprod": np.sqrt(ac), "sqrt_one_minus_alphas_cumprod": np.sqrt(1 - ac),
        "log_one_minus_alphas_cumprod": np.log(1 - ac), "sqrt_recip_alphas_cumprod": np.sqrt(1 / ac),
        "sqrt_recipm1_alphas_cumprod": np.sqrt(1 / ac - 1), "posterior_variance": pv,
        "posterior_log_variance_clipped": np.log(np.maximum(pv, 1e-20)),
        "posterior_mean_coef1": betas * np.sqrt(acp) / (1 - ac),
        "posterior_mean_coef2": (1 - acp) * np.sqrt(alphas) / (1 - ac),
    }


class DDPM(nn.Module):
    def __init__(self, denoise, condition, cfg):
        super().__init__()
        self.model = denoise
        self.condition = condition
        self.T = cfg["timesteps"]
        for k, v in schedule(self.T, cfg["linear_start"], cfg["linear_end"]).items():
            self.register_buffer(k, torch.tensor(v, dtype=torch.float32))

    def sample(self, cond_in, z):
        """§6 steps 1, 3, 4 from a given z_T; returns (c, IPR)."""
        c = self.condition(cond_in)
        b = z.shape[0]
        for i in reversed(range(self.T)):
            t = torch.full((b,), i, dtype=torch.long, device=z.device)
            x0 = self.model(z, t, c)
            z = self.posterior_mean_coef1[t].view(-1, 1) * x0 + \
                self.posterior_mean_coef2[t].view(-1, 1) * z
        return c, z


class DiffIRS2(nn.Module):
    def __init__(self, variant, cfg):
        super().__init__()
        self.variant = variant
        self.G = DIRformer(variant, cfg)
        self.condition = CPEN(cpen_s2_channels(variant), cfg["n_encoder_res"])
        self.denoise = Denoise(cfg["n_denoise_res"], cfg["timesteps"])
        self.diffusion = DDPM(self.denoise, self.condition, cfg)

    def forward(self, g_in, z, trace=None):
        c, ipr = self.diffusion.sample(cpen_s2_input(self.variant, g_in), z)
        if trace is not None:
            trace["c"], trace["ipr"] = c, ipr
        return self.G(g_in, ipr, trace)


class DiffIRS1(nn.Module):
    def __init__(self, variant, cfg):
        super().__init__()
        self.variant = variant
        self.G = DIRformer(variant, cfg)
        self.E = CPEN(cpen_s1_channels(variant), cfg["n_encoder_res"])

    def forward(self, g_in, gt, trace=None):
        s = sr_scale(self.variant)
        lq_feat = cpen_s2_input(self.variant, g_in) if s else F.pixel_unshuffle(g_in, 4)
        ipr = self.E(torch.cat([lq_feat, F.pixel_unshuffle(gt, 4)], 1))
        if trace is not None:
            trace["ipr"] = ipr
        return self.G(g_in, ipr, trace)


# ---- weights: a counter-based generator reproduced by tests/models/hash_weights.hpp ---------------
M64 = (1 << 64) - 1


def fnv1a32(s):
    h = 0x811C9DC5
    for ch in s.encode():
        h = ((h ^ ch) * 0x01000193) & 0xFFFFFFFF
    return h


def uniform_pm1(name, n, seed):
    """u_i in [-1, 1), exact multiples of 2^-23: splitmix64 of (fnv1a(name) << 32 ^ seed) + i·γ."""
    key = ((fnv1a32(name) << 32) ^ seed) & M64
    i = np.arange(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = np.uint64(key) + (i + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    k = (z >> np.uint64(40)).astype(np.float64)  # 24 bits
    return (k - 8388608.0) * (2.0 ** -23)


def canonical(name):
    """Duplicates carry the values of the tensors they duplicate (spec §5.1)."""
    if name.startswith("diffusion.model."):
        return "denoise." + name[len("diffusion.model."):]
    if name.startswith("diffusion.condition."):
        return "condition." + name[len("diffusion.condition."):]
    return name


def hash_tensor(name, shape, seed):
    name = canonical(name)
    n = int(np.prod(shape)) if len(shape) else 1
    u = uniform_pm1(name, n, seed)
    if name.endswith("temperature"):
        v = 1.0 + u * 0.5
    elif ".body.weight" in name and "norm" in name:
        v = 1.0 + u * 0.125
    elif name.endswith(".bias"):
        v = u * 0.125
    else:
        fan_in = int(np.prod(shape[1:]))
        v = u * math.sqrt(3.0 / fan_in)
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def fill_hash(model, seed):
    """Parameters from the generator; buffers (the schedule) stay as computed."""
    with torch.no_grad():
        for name, t in model.state_dict().items():  # shares storage with the parameters
            if not is_buffer(name):
                t.copy_(hash_tensor(name, tuple(t.shape), seed))


def is_buffer(name):
    return name.startswith("diffusion.") and name.split(".", 1)[1] in BUFFERS


def manifest(model):
    sd = model.state_dict()
    buf = {k: v.tolist() for k, v in sd.items() if is_buffer(k)}
    return [[k, list(v.shape)] for k, v in sd.items()], buf
