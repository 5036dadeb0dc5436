enum EdgeTestSupportModule {}
