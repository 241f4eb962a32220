#[tokio::main]
async fn main() -> anyhow::Result<()> {
    juxuan_reporting::main().await
}
