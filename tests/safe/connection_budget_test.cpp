// The API listener's budgets on their own: pending handshakes in all and per source address
// (IPv4 one by one, IPv6 by /64), and the locked memory request bodies share.
#include "connection_budget.hpp"

#include <gtest/gtest.h>

namespace vsecm::safe {
namespace {

using Verdict = HandshakeBudget::Verdict;

boost::asio::ip::address Ip(const char* text) { return boost::asio::ip::make_address(text); }

TEST(HandshakeBudgetTest, CapsEachSourceAndTheWhole) {
  HandshakeBudget budget(5, 2);
  EXPECT_EQ(budget.TryAdmit(Ip("10.0.0.1")), Verdict::kAdmitted);
  EXPECT_EQ(budget.TryAdmit(Ip("10.0.0.1")), Verdict::kAdmitted);
  EXPECT_EQ(budget.TryAdmit(Ip("10.0.0.1")), Verdict::kSourceFull);
  // The same address written as IPv4-mapped IPv6 is the same source.
  EXPECT_EQ(budget.TryAdmit(Ip("::ffff:10.0.0.1")), Verdict::kSourceFull);
  EXPECT_EQ(budget.TryAdmit(Ip("10.0.0.2")), Verdict::kAdmitted);
  EXPECT_EQ(budget.TryAdmit(Ip("10.0.0.2")), Verdict::kAdmitted);
  EXPECT_EQ(budget.TryAdmit(Ip("10.0.0.3")), Verdict::kAdmitted);
  EXPECT_EQ(budget.pending(), 5u);
  EXPECT_EQ(budget.TryAdmit(Ip("10.0.0.4")), Verdict::kBudgetFull);
  budget.Release(Ip("10.0.0.1"));
  EXPECT_EQ(budget.TryAdmit(Ip("10.0.0.4")), Verdict::kAdmitted);
  EXPECT_EQ(budget.TryAdmit(Ip("10.0.0.1")), Verdict::kBudgetFull);
}

TEST(HandshakeBudgetTest, AnIpv6SourceIsItsSlash64) {
  HandshakeBudget budget(100, 2);
  EXPECT_EQ(budget.TryAdmit(Ip("2001:db8:1:2::1")), Verdict::kAdmitted);
  EXPECT_EQ(budget.TryAdmit(Ip("2001:db8:1:2:ffff::9")), Verdict::kAdmitted);
  EXPECT_EQ(budget.TryAdmit(Ip("2001:db8:1:2:abcd::1")), Verdict::kSourceFull);
  EXPECT_EQ(budget.TryAdmit(Ip("2001:db8:1:3::1")), Verdict::kAdmitted);
}

TEST(HandshakeBudgetTest, EmptyingAfterABurstIsReportedOnce) {
  HandshakeBudget budget(1000, 1000);
  for (int i = 0; i < 3; ++i) budget.TryAdmit(Ip("10.0.0.1"));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(budget.Release(Ip("10.0.0.1"))) << "no burst";
  const size_t burst = HandshakeBudget::kBurst;
  for (size_t i = 0; i < burst; ++i) budget.TryAdmit(Ip("10.0.0.1"));
  for (size_t i = 0; i + 1 < burst; ++i) EXPECT_FALSE(budget.Release(Ip("10.0.0.1")));
  EXPECT_TRUE(budget.Release(Ip("10.0.0.1")));
  budget.TryAdmit(Ip("10.0.0.1"));
  EXPECT_FALSE(budget.Release(Ip("10.0.0.1"))) << "the burst was already reported";
}

TEST(BodyBudgetTest, LendsUpToItsLimit) {
  BodyBudget budget(100);
  EXPECT_TRUE(budget.TryReserve(60));
  EXPECT_FALSE(budget.TryReserve(41));
  EXPECT_TRUE(budget.TryReserve(40));
  EXPECT_FALSE(budget.TryReserve(1));
  EXPECT_EQ(budget.in_use(), 100u);
  budget.Release(60);
  EXPECT_TRUE(budget.TryReserve(60));
  EXPECT_FALSE(budget.TryReserve(SIZE_MAX));
}

}  // namespace
}  // namespace vsecm::safe
