// vswitchd: a placeholder until the manager lands.
int main() { return 0; }
