package io.parkgate.payments;

import java.util.Locale;
import java.util.Set;

/**
 * Where a payment is on its way to the gate. A state never moves backwards:
 * <pre>
 *   accepted ──▶ sent ──▶ confirmed   (the gate's result)
 *      │ (a gate that cannot take payments: rejected at once, nothing written)
 *      │  │       │ ▲ └──▶ rejected    (the gate's JSON-RPC error: a definite answer)
 *      │  │       └─┘ another attempt (timed out, connection lost)
 *      │  └──────────────▶ expired     (not confirmed before validUntil; also from sent)
 *      └─────────────────▶ cancelled   (only before any attempt)
 * </pre>
 */
public enum PaymentState {
  ACCEPTED, SENT, CONFIRMED, REJECTED, EXPIRED, CANCELLED;

  /** The states in which a payment still goes to the gate. */
  public static final Set<PaymentState> PENDING = Set.of(ACCEPTED, SENT);

  /** No transition leaves a final state. */
  public boolean isFinal() {
    return !PENDING.contains(this);
  }

  /** Whether {@code next} may follow this state. */
  public boolean mayBecome(PaymentState next) {
    return switch (this) {
      // rejected straight from accepted: the park's controller cannot take payments at all
      // (a legacy gate), which the node knows without writing anything to it
      case ACCEPTED -> next == SENT || next == REJECTED || next == EXPIRED || next == CANCELLED;
      case SENT -> next == SENT || next == CONFIRMED || next == REJECTED || next == EXPIRED;
      default -> false;
    };
  }

  /** The name in JSON and in the API ({@code accepted}, ...). */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** @throws IllegalArgumentException for a name that is not a state */
  public static PaymentState fromWire(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
