package io.parkgate.webhook;

/**
 * One queue of the outbox: a subscription's deliveries for one park, sent one at a time in order.
 * Its {@link #key} decides which node delivers it: the owner of the key's Hazelcast partition.
 */
public record QueueRef(String subscription, String parkId) {

  public String key() {
    return subscription + "~" + parkId;
  }

  /** The queue of a key made by {@link #key}, or null. */
  public static QueueRef ofKey(String key) {
    int sep = key == null ? -1 : key.indexOf('~');
    return sep <= 0 ? null : new QueueRef(key.substring(0, sep), key.substring(sep + 1));
  }
}
