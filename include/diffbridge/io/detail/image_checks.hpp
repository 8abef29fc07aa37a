// Structural checks that io/image.hpp runs on a PNG or JPEG file before stb_image (Debian's
// 2.27) sees it, against three faults of that decoder: a JPEG Huffman table of over 256 codes
// makes it write out of bounds (stbi__build_huffman and the DHT values loop); a JPEG whose scan
// data ends early is decoded as if the rest were zero bits (a grey tail, or uninitialised memory
// after a missing restart marker); a PNG chunk's length is allocated before the data is read
// (2 GiB from a 43-byte file). Each check returns "" or the problem, one line without the file
// name. Where stb refuses a JPEG itself (an unsupported process or precision, a malformed frame
// or scan header), the check stops there and leaves the reason to stb.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "diffbridge/io/detail/text.hpp"

namespace diffbridge::io::detail {

/// Big-endian unsigned load of n <= 8 bytes.
inline std::uint64_t load_be(const unsigned char* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v << 8 | p[i];
  return v;
}

/// PNG (ISO/IEC 15948 §5.3): after the 8-byte signature, chunks of length (4, big-endian),
/// type (4), data and CRC (4) up to IEND, each inside the file.
inline std::string png_chunks_problem(std::span<const unsigned char> b) {
  std::string last = "signature";
  for (std::uint64_t at = 8;;) {
    if (at + 8 > b.size()) return "truncated: the PNG ends after its " + last + ", with no IEND";
    const std::uint64_t len = load_be(b.data() + at, 4), left = b.size() - at - 8;
    const std::string type = printable({reinterpret_cast<const char*>(b.data() + at + 4), 4});
    if (len + 4 > left)
      return "truncated or corrupt PNG: its " + type + " chunk at byte " + std::to_string(at) +
             " declares " + std::to_string(len) + " bytes of data, but only " +
             std::to_string(left) + " bytes (data and CRC) remain in the file";
    if (type == "IEND") return "";
    at += 12 + len;
    last = type + " chunk";
  }
}

/// A JPEG Huffman table (ITU-T T.81 §B.2.4.2, Annex C) for the decoding of §F.2.2.3, with a
/// 9-bit lookup of the short codes (length << 8 | value; 0: a longer code).
struct jpeg_huffman {
  bool defined = false;
  std::array<std::uint8_t, 256> values{};
  std::array<std::int32_t, 17> maxcode{}, mincode{}, valptr{};  // by code length 1..16
  std::array<std::uint16_t, 512> fast{};
};

/// The tables of a DHT segment's data (T.81 §B.2.4.2): per table Tc/Th (1 byte), the number of
/// codes of each length 1..16 (16 bytes), then that many values. Fills tables[Tc][Th].
inline std::string read_dht(std::span<const unsigned char> s, std::size_t at,
                            std::array<std::array<jpeg_huffman, 4>, 2>& tables) {
  for (std::size_t p = 0, n = 1; p < s.size(); ++n) {
    const std::string table =
        "Huffman table " + std::to_string(n) + " of the DHT segment at byte " + std::to_string(at);
    if (p + 17 > s.size()) return "corrupt JPEG: " + table + " runs past the end of its segment";
    const unsigned tc = s[p] >> 4, th = s[p] & 15;
    if (tc > 1 || th > 3)
      return "corrupt JPEG: " + table + " has class " + std::to_string(tc) + " and id " +
             std::to_string(th) + " (at most 1 and 3)";
    std::size_t total = 0;
    for (std::size_t l = 1; l <= 16; ++l) total += s[p + l];
    if (total > 256)
      return "corrupt JPEG: " + table + " declares " + std::to_string(total) +
             " codes, more than the 256 a table holds";
    if (p + 17 + total > s.size())
      return "corrupt JPEG: the " + std::to_string(total) + " values of " + table +
             " run past the end of its segment";
    jpeg_huffman& h = tables[tc][th];
    h = jpeg_huffman{};
    h.defined = true;
    std::int32_t code = 0, k = 0;  // canonical codes, in order of length (Annex C)
    for (int l = 1; l <= 16; ++l) {
      const int count = s[p + std::size_t(l)];
      h.valptr[l] = k, h.mincode[l] = code, h.maxcode[l] = count ? code + count - 1 : -1;
      code += count, k += count;
      if (code > (1 << l))
        return "corrupt JPEG: " + table + " has more codes of up to " + std::to_string(l) +
               " bits than " + std::to_string(l) + " bits can form";
      code <<= 1;
    }
    for (std::size_t i = 0; i < total; ++i) h.values[i] = s[p + 17 + i];
    for (int l = 1; l <= 9; ++l)
      for (std::int32_t c = h.mincode[l]; c <= h.maxcode[l]; ++c)
        for (std::int32_t j = 0; j < (1 << (9 - l)); ++j)
          h.fast[std::size_t((c << (9 - l)) + j)] =
              std::uint16_t(l << 8 | h.values[std::size_t(h.valptr[l] + c - h.mincode[l])]);
    p += 17 + total;
  }
  return "";
}

/// Entropy-coded data (T.81 §F.1.2.3) as bits: 0xFF 0x00 is a data byte 0xFF, fill bytes 0xFF
/// are skipped as stb does, any other 0xFF xx is a marker, which ends the data. Past the end the
/// reader gives zero bits, as stb does, and notes that it did (`overrun`).
struct jpeg_bits {
  std::span<const unsigned char> b;
  std::size_t pos = 0;     // next byte
  std::size_t end_at = 0;  // once `ended`: the marker's first 0xFF (or the file's size)
  std::uint64_t acc = 0;
  int have = 0, fake = 0;  // bits in acc; of them, the last `fake` are past the end
  bool ended = false, overrun = false;
  unsigned marker = 0;  // once `ended`: the marker there, 0 at the file's end

  int next_byte() {
    if (ended) return -1;
    if (pos < b.size() && b[pos] != 0xFF) return b[pos++];
    std::size_t q = pos + 1;
    while (q < b.size() && b[q] == 0xFF) ++q;
    if (q < b.size() && b[q] == 0x00) return pos = q + 1, 0xFF;
    ended = true, end_at = std::min(pos, b.size()), marker = q < b.size() ? b[q] : 0;
    return -1;
  }
  void refill() {  // to at least 57 bits
    for (; have <= 56; have += 8) {
      const int c = next_byte();
      acc = acc << 8 | std::uint64_t(c < 0 ? 0 : c);
      if (c < 0) fake += 8;
    }
  }
  unsigned look(int n) const { return unsigned(acc >> (have - n)) & ((1u << n) - 1); }
  void skip(int n) {
    have -= n;
    if (have < fake) overrun = true;
  }
  unsigned bits(int n) {  // n <= 16
    if (n == 0) return 0;
    if (have < 16) refill();
    const unsigned v = look(n);
    skip(n);
    return v;
  }
  /// The next value coded with `h`; -1 for bits that are no code of it.
  int decode(const jpeg_huffman& h) {
    if (have < 16) refill();
    if (const unsigned e = h.fast[look(9)]) return skip(int(e >> 8)), int(e & 0xFF);
    const unsigned c16 = look(16);
    for (int l = 10; l <= 16; ++l)
      if (const std::int32_t c = std::int32_t(c16 >> (16 - l)); c <= h.maxcode[l])
        return skip(l), h.values[std::size_t(h.valptr[l] + c - h.mincode[l])];
    skip(16);
    return -1;
  }
  /// Past the rest of this data to its marker; true if that is RSTn, and then reads on after it.
  bool restart() {
    while (next_byte() >= 0) {
    }
    if (marker < 0xD0 || marker > 0xD7) return false;
    pos = end_at;
    while (b[pos] == 0xFF) ++pos;
    ++pos, acc = 0, have = fake = 0, ended = false;
    return true;
  }
};

/// A frame component (T.81 §B.2.2) and its blocks of 8x8 samples (§A.2.2); for progressive
/// frames, which AC coefficients of each block are nonzero so far (bit k: zigzag index k).
struct jpeg_component {
  unsigned id = 0, h = 1, v = 1;
  std::size_t bw = 0, bh = 0;
  bool dc_coded = false;
  std::vector<std::uint64_t> nonzero;
};

struct jpeg_frame {
  bool found = false, progressive = false;
  std::size_t mcux = 0, mcuy = 0, w = 0, h = 0;
  std::vector<jpeg_component> comps;

  /// A SOF0, SOF1 or SOF2 header, false where stb refuses it (stbi__process_frame_header).
  bool read(std::span<const unsigned char> s, bool prog) {
    if (s.size() < 6 || s[0] != 8) return false;
    h = std::size_t(load_be(&s[1], 2)), w = std::size_t(load_be(&s[3], 2));
    const std::size_t nf = s[5];
    if (w == 0 || h == 0 || (nf != 1 && nf != 3 && nf != 4) || s.size() != 6 + 3 * nf) return false;
    unsigned hmax = 1, vmax = 1;
    comps.assign(nf, {});
    for (std::size_t c = 0; c < nf; ++c) {
      comps[c].id = s[6 + 3 * c], comps[c].h = s[7 + 3 * c] >> 4, comps[c].v = s[7 + 3 * c] & 15;
      if (comps[c].h < 1 || comps[c].h > 4 || comps[c].v < 1 || comps[c].v > 4 || s[8 + 3 * c] > 3)
        return false;
      hmax = std::max(hmax, comps[c].h), vmax = std::max(vmax, comps[c].v);
    }
    for (jpeg_component& c : comps) {
      if (hmax % c.h || vmax % c.v) return false;
      c.bw = ((w * c.h + hmax - 1) / hmax + 7) / 8, c.bh = ((h * c.v + vmax - 1) / vmax + 7) / 8;
    }
    mcux = (w + 8 * hmax - 1) / (8 * hmax), mcuy = (h + 8 * vmax - 1) / (8 * vmax);
    return found = true, progressive = prog, true;
  }
};

/// A scan header (T.81 §B.2.3): components (indices into the frame's), their DC and AC table
/// ids, spectral selection Ss..Se and successive approximation Ah, Al.
struct jpeg_scan {
  std::size_t n = 0;
  std::array<std::size_t, 4> comp{};
  std::array<unsigned, 4> td{}, ta{};
  unsigned ss = 0, se = 63, ah = 0, al = 0;

  /// false where stb refuses it (stbi__process_scan_header, the decode_block_prog_* checks)
  bool read(std::span<const unsigned char> s, const jpeg_frame& f) {
    n = s.empty() ? 0 : s[0];
    if (n < 1 || n > 4 || n > f.comps.size() || s.size() != 4 + 2 * n) return false;
    for (std::size_t i = 0; i < n; ++i) {
      comp[i] = f.comps.size();
      for (std::size_t c = f.comps.size(); c-- > 0;)  // the first match, as stb
        if (f.comps[c].id == s[1 + 2 * i]) comp[i] = c;
      td[i] = s[2 + 2 * i] >> 4, ta[i] = s[2 + 2 * i] & 15;
      if (comp[i] == f.comps.size() || td[i] > 3 || ta[i] > 3) return false;
    }
    ss = s[1 + 2 * n], se = s[2 + 2 * n], ah = s[3 + 2 * n] >> 4, al = s[3 + 2 * n] & 15;
    if (!f.progressive) return ss == 0 && ah == 0 && al == 0 && (se = 63, true);
    return ss <= se && se <= 63 && ah <= 13 && al <= 13 && (se == 0 || (ss > 0 && n == 1));
  }
};

/// Reads the entropy-coded data of scan `no` (T.81 Annex F, G.1.2) from b[i] the way stb 2.27
/// does, without the IDCT; then i is the marker after it. Refuses data that ends before the
/// last MCU or a restart interval without its RSTn marker (stb would decode zeros, or leave the
/// rest of the image uninitialised) and bits that are no Huffman code.
inline std::string read_scan(std::span<const unsigned char> b, std::size_t& i, jpeg_frame& f,
                             const jpeg_scan& s,
                             const std::array<std::array<jpeg_huffman, 4>, 2>& t,
                             std::size_t restart, std::size_t no) {
  jpeg_bits r{b, i};
  std::uint32_t eobrun = 0;
  bool invalid = false;
  const bool dc_first = s.ss == 0 && s.ah == 0;
  for (std::size_t k = 0; k < s.n; ++k) {
    jpeg_component& c = f.comps[s.comp[k]];
    c.dc_coded |= dc_first;
    if (f.progressive && s.ss > 0 && c.nonzero.empty()) c.nonzero.assign(c.bw * c.bh, 0);
  }
  auto huff = [&](const jpeg_huffman& h) {
    const int v = r.decode(h);
    invalid |= v < 0;
    return v < 0 ? 0 : unsigned(v);
  };
  auto dc_diff = [&](unsigned td) {  // a category, then that many bits (§F.2.2.1)
    const unsigned cat = huff(t[0][td]);
    invalid |= cat > 15;
    r.bits(int(cat & 15));
  };
  // one block of component c at (x, y) of its block grid, as stbi__jpeg_decode_block*
  auto block = [&](std::size_t k, std::size_t x, std::size_t y) {
    jpeg_component& c = f.comps[s.comp[k]];
    std::uint64_t none = 0;
    std::uint64_t& nz =
        c.nonzero.empty() || x >= c.bw || y >= c.bh ? none : c.nonzero[y * c.bw + x];
    if (!f.progressive) {  // sequential: DC, then run/size codes to EOB or the 63rd (§F.2.2.2)
      dc_diff(s.td[k]);
      for (unsigned z = 1; z < 64 && !invalid;) {
        const unsigned rs = huff(t[1][s.ta[k]]);
        if (rs != 0xF0 && (rs & 15) == 0) break;
        z += (rs & 15) ? (rs >> 4) + 1 : 16;  // a run and a value, or 16 zeros (ZRL)
        r.bits(int(rs & 15));
      }
    } else if (s.ss == 0) {  // DC first (which zeroes the AC coefficients) or refinement
      if (s.ah == 0)
        dc_diff(s.td[k]), nz = 0;
      else
        r.bits(1);
    } else if (s.ah == 0) {  // AC first (§G.1.2.2): runs, values, end-of-band runs
      if (eobrun > 0) return void(--eobrun);
      for (unsigned z = s.ss; z <= s.se && !invalid;) {
        const unsigned rs = huff(t[1][s.ta[k]]), run = rs >> 4, size = rs & 15;
        if (size == 0 && run < 15) {
          eobrun = (1u << run) + r.bits(int(run)) - 1;
          break;
        }
        if (size == 0) {
          z += 16;
          continue;
        }
        z += run;
        const int v = int(r.bits(int(size)));
        const int value = v < (1 << (size - 1)) ? v - (1 << size) + 1 : v;
        const std::uint64_t bit = std::uint64_t(1) << std::min(z, 63u);
        nz = std::int16_t(value * (1 << s.al)) != 0 ? nz | bit : nz & ~bit;  // stb's short
        ++z;
      }
    } else {  // AC refinement (§G.1.2.3): a correction bit for each nonzero coefficient passed
      const std::uint64_t band = (~std::uint64_t(0) >> (63 - s.se));
      auto corrections = [&](unsigned from, unsigned to) {  // those in [from, to), to <= 64
        const std::uint64_t in = band & (~std::uint64_t(0) << from) &
                                 (to < 64 ? ~(~std::uint64_t(0) << to) : ~std::uint64_t(0));
        for (int n = std::popcount(nz & in); n > 0; n -= 16) r.bits(std::min(n, 16));
      };
      if (eobrun > 0) return --eobrun, corrections(s.ss, 64);
      for (unsigned z = s.ss; z <= s.se && !invalid;) {
        const unsigned rs = huff(t[1][s.ta[k]]), size = rs & 15, run = rs >> 4;
        if (size == 0 && run < 15) {
          eobrun = (1u << run) + r.bits(int(run)) - 1;
          return corrections(z, 64);
        }
        invalid |= size > 1;
        if (size == 1) r.bits(1);  // the new coefficient's sign
        // past `run` zero coefficients to the next zero one, which takes the new value
        std::uint64_t zeros = ~nz & band & (~std::uint64_t(0) << z);
        for (unsigned j = 0; j < run && zeros; ++j) zeros &= zeros - 1;
        const unsigned at = zeros ? unsigned(std::countr_zero(zeros)) : 64;
        corrections(z, at);
        if (at < 64 && size == 1) nz |= std::uint64_t(1) << at;
        z = at + 1;
      }
    }
  };
  const jpeg_component& c0 = f.comps[s.comp[0]];
  const std::size_t mcus = s.n > 1 ? f.mcux * f.mcuy : c0.bw * c0.bh;
  const std::string scan = "JPEG scan " + std::to_string(no);
  for (std::size_t m = 0; m < mcus; ++m) {
    if (restart > 0 && m > 0 && m % restart == 0) {
      if (!r.restart())
        return "truncated: " + scan + " ends after " + std::to_string(m) + " of its " +
               std::to_string(mcus) + " MCUs, where a restart marker is due";
      eobrun = 0;
    }
    if (s.n == 1) {
      block(0, m % c0.bw, m / c0.bw);
    } else {
      for (std::size_t k = 0; k < s.n; ++k) {
        const jpeg_component& c = f.comps[s.comp[k]];
        for (std::size_t y = 0; y < c.v; ++y)
          for (std::size_t x = 0; x < c.h; ++x)
            block(k, m % f.mcux * c.h + x, m / f.mcux * c.v + y);
      }
    }
    if (r.overrun)
      return "truncated: " + scan + " ends inside MCU " + std::to_string(m + 1) + " of its " +
             std::to_string(mcus);
    if (invalid)
      return "corrupt JPEG: " + scan +
             " holds bits that are no code of its Huffman tables in MCU " + std::to_string(m + 1) +
             " of " + std::to_string(mcus);
  }
  while (r.next_byte() >= 0) {
  }
  i = r.end_at;
  return "";
}

/// JPEG (T.81 Annex B): from SOI, segments (0xFF, marker, big-endian length counting its own 2
/// bytes) and the scans' entropy-coded data up to EOI. Refuses a segment running past the file,
/// a DHT table of over 256 codes or past its segment, a scan that uses an undefined table or
/// ends early, no EOI, and a component without a scan.
inline std::string jpeg_problem(std::span<const unsigned char> b) {
  std::array<std::array<jpeg_huffman, 4>, 2> tables;
  jpeg_frame f;
  std::size_t restart = 0, scans = 0;
  for (std::size_t i = 2;;) {
    while (i < b.size() && b[i] != 0xFF) ++i;  // stb skips padding before a marker
    while (i < b.size() && b[i] == 0xFF) ++i;  // fill bytes (§B.1.1.2)
    if (i >= b.size()) return "truncated: the JPEG ends without an EOI marker";
    const unsigned m = b[i++];
    const std::size_t at = i - 2;
    if (m == 0xD9) break;                                 // EOI
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) continue;  // TEM, RSTn, SOI: no length
    const std::size_t len = i + 2 <= b.size() ? std::size_t(load_be(&b[i], 2)) : 0;
    char name[8];
    std::snprintf(name, sizeof name, "0x%02X", m);
    if (i + 2 > b.size() || i + len > b.size())
      return "truncated: the JPEG ends inside its segment at byte " + std::to_string(at) +
             " (marker " + name + ")";
    if (len < 2)
      return "corrupt JPEG: the segment at byte " + std::to_string(at) + " (marker " + name +
             ") has length " + std::to_string(len) + ", less than 2";
    const std::span<const unsigned char> s = b.subspan(i + 2, len - 2);
    i += len;
    if (m == 0xC4) {
      if (std::string p = read_dht(s, at, tables); !p.empty()) return p;
    } else if (m == 0xDD) {  // DRI
      if (s.size() != 2) return "";
      restart = std::size_t(load_be(s.data(), 2));
    } else if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {  // SOFn
      if (f.found || m > 0xC2 || !f.read(s, m == 0xC2)) return "";
    } else if (m == 0xDA) {  // SOS
      jpeg_scan sc;
      if (!f.found || !sc.read(s, f)) return "";
      if (++scans == 1) {  // every block of the first component costs at least one bit
        const std::size_t need = (f.comps[0].bw * f.comps[0].bh + 7) / 8;
        if (b.size() - i < need)
          return "truncated: the JPEG has " + std::to_string(b.size() - i) +
                 " bytes after its first scan header, fewer than the " + std::to_string(need) +
                 " that " + std::to_string(f.w) + "x" + std::to_string(f.h) +
                 " pixels need (a bit per 8x8 block)";
      }
      for (std::size_t k = 0; k < sc.n; ++k) {
        const bool dc = sc.ss == 0 && (sc.ah == 0 || !f.progressive), ac = sc.se > 0;
        for (unsigned tc : {0u, 1u})
          if ((tc == 0 ? dc : ac) && !tables[tc][tc == 0 ? sc.td[k] : sc.ta[k]].defined)
            return "corrupt JPEG: scan " + std::to_string(scans) + " uses the " +
                   (tc == 0 ? "DC" : "AC") + " Huffman table " +
                   std::to_string(tc == 0 ? sc.td[k] : sc.ta[k]) + ", which no DHT defines";
      }
      if (std::string p = read_scan(b, i, f, sc, tables, restart, scans); !p.empty()) return p;
    }
  }
  for (std::size_t c = 0; c < f.comps.size(); ++c)
    if (!f.comps[c].dc_coded)
      return "truncated: the JPEG ends before a scan of its component " + std::to_string(c + 1) +
             " of " + std::to_string(f.comps.size());
  return "";
}

}  // namespace diffbridge::io::detail
