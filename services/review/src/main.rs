#[tokio::main]
async fn main() -> anyhow::Result<()> {
    juxuan_review::main().await
}
