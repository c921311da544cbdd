package io.parkgate.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Who may use the unauthenticated legacy protocol: park IDs (exact, or a prefix ending in
 * {@code *}) and source addresses (exact IPs or CIDR blocks, IPv4 or IPv6). An empty list allows
 * nothing.
 */
public final class Allowlist {

  private record Block(byte[] network, int prefixBits) {
  }

  private final List<String> exactParks = new ArrayList<>();
  private final List<String> parkPrefixes = new ArrayList<>();
  private final List<Block> sources = new ArrayList<>();

  public Allowlist(List<String> parks, List<String> sourceCidrs) {
    for (String p : parks) {
      String t = p.trim();
      if (t.endsWith("*")) {
        parkPrefixes.add(t.substring(0, t.length() - 1));
      } else if (!t.isEmpty()) {
        exactParks.add(t);
      }
    }
    for (String s : sourceCidrs) {
      if (!s.isBlank()) {
        sources.add(parseBlock(s.trim()));
      }
    }
  }

  /** Parses {@code 10.1.0.0/16}, {@code 192.168.1.7} or {@code fd00::/8}; throws on anything else. */
  static Block parseBlock(String cidr) {
    int slash = cidr.indexOf('/');
    String host = slash < 0 ? cidr : cidr.substring(0, slash);
    if (!host.matches("[0-9a-fA-F:.]+")) {
      throw new IllegalArgumentException("not an IP address or CIDR block: " + cidr);
    }
    try {
      byte[] network = InetAddress.getByName(host).getAddress();
      int bits = slash < 0 ? network.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
      if (bits < 0 || bits > network.length * 8) {
        throw new IllegalArgumentException("bad prefix length in " + cidr);
      }
      return new Block(network, bits);
    } catch (UnknownHostException | NumberFormatException e) {
      throw new IllegalArgumentException("not an IP address or CIDR block: " + cidr);
    }
  }

  public boolean allowsPark(String parkId) {
    return exactParks.contains(parkId) || parkPrefixes.stream().anyMatch(parkId::startsWith);
  }

  public boolean allowsSource(String ip) {
    byte[] address;
    try {
      if (!ip.matches("[0-9a-fA-F:.]+")) {
        return false;
      }
      address = InetAddress.getByName(ip).getAddress();
    } catch (UnknownHostException e) {
      return false;
    }
    for (Block b : sources) {
      if (b.network().length == address.length && matches(b, address)) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(Block block, byte[] address) {
    int bits = block.prefixBits();
    for (int i = 0; i < address.length && bits > 0; i++, bits -= 8) {
      int mask = bits >= 8 ? 0xFF : (0xFF << (8 - bits)) & 0xFF;
      if ((address[i] & mask) != (block.network()[i] & mask)) {
        return false;
      }
    }
    return true;
  }
}
